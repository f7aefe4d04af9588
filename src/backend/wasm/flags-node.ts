// Node-only: turns on relaxed SIMD in V8 versions that hide it behind a flag (Node 20 / V8 11.3).
// Must run before the relaxed module is compiled; harmless where the feature is already on.
import { setFlagsFromString } from 'node:v8';
import { hasRelaxedSimd } from './features.js';

export function enableRelaxedSimd(): boolean {
  if (hasRelaxedSimd()) return true;
  try {
    setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return hasRelaxedSimd();
}
