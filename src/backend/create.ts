// createBackend: picks the fastest backend the runtime supports. `auto` tries WASM SIMD (relaxed
// when available, threads on shared memory) and falls back to the plain JS backend with one warning.
import { UnsupportedError, UsageError } from '../errors.js';
import type { Backend } from './backend.js';
import { JsBackend } from './js/index.js';

export interface CreateBackendOptions {
  kind?: 'auto' | 'wasm' | 'js';
  /** Computing threads for the WASM backend (default: LLMTS_THREADS or all cores). */
  threads?: number;
}

let warned = false;

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

export async function createBackend(opts: CreateBackendOptions = {}): Promise<Backend> {
  const kind = opts.kind ?? 'auto';
  if (kind !== 'auto' && kind !== 'wasm' && kind !== 'js') {
    throw new UsageError(`backend kind must be auto, wasm or js, got "${String(kind)}"`, { field: 'kind' });
  }
  if (kind === 'js') return new JsBackend();
  if (!isNode()) {
    // Browser WASM path (workers from a module script) is not wired yet.
    if (kind === 'wasm') throw new UnsupportedError('the WASM backend currently needs Node.js');
    warnOnce('WASM backend not available in this runtime yet; using the (slow) JS backend');
    return new JsBackend();
  }
  const setup = await import('./wasm/setup-node.js');
  if (!setup.wasmAvailable()) {
    if (kind === 'wasm') throw new UnsupportedError('this runtime has no WebAssembly SIMD / shared memory');
    warnOnce('WebAssembly SIMD is not available; using the (slow) JS backend');
    return new JsBackend();
  }
  return setup.createWasmBackend(opts.threads === undefined ? {} : { threads: opts.threads });
}

function warnOnce(msg: string): void {
  if (warned) return;
  warned = true;
  console.warn(`llmts: ${msg}`);
}
