// WebAssembly feature detection with tiny hand-assembled modules (runtime-neutral).
import { WA } from './wasm-api.js';

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const TYPE_V128 = [0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b]; // type 0: [] -> [v128]
const FUNC = [0x03, 0x02, 0x01, 0x00];
const V128_ZERO = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];

function module(body: number[]): Uint8Array {
  const fn = [0x00, ...body, 0x0b];
  const code = [0x0a, fn.length + 2, 0x01, fn.length, ...fn];
  return new Uint8Array([...HEADER, ...TYPE_V128, ...FUNC, ...code]);
}

/** (func (result v128) v128.const 0) */
const SIMD_MODULE = module(V128_ZERO);
/** (func (result v128) (f32x4.relaxed_madd (v128.const 0) (v128.const 0) (v128.const 0))) */
const RELAXED_MODULE = module([...V128_ZERO, ...V128_ZERO, ...V128_ZERO, 0xfd, 0x85, 0x02]);

export function hasWasm(): boolean {
  return WA !== undefined;
}

export function hasSimd(): boolean {
  try {
    return WA?.validate(SIMD_MODULE) === true;
  } catch {
    return false;
  }
}

export function hasRelaxedSimd(): boolean {
  try {
    return WA?.validate(RELAXED_MODULE) === true;
  } catch {
    return false;
  }
}

/** Shared memory (threads) needs SharedArrayBuffer (cross-origin isolation in browsers). */
export function hasSharedMemory(): boolean {
  if (WA === undefined || typeof SharedArrayBuffer === 'undefined') return false;
  try {
    new WA.Memory({ initial: 1, maximum: 1, shared: true });
    return true;
  } catch {
    return false;
  }
}
