// Shared pieces of the block formats: the format record each family file exports, and ggml's
// scalar rounding helpers reproduced bit for bit in f32 arithmetic.
import type { GgmlType } from '../tensor/dtype.js';
import { f32Bits } from './f16.js';

/** f32 rounding of a JS number: applied after every arithmetic step to emulate C `float`. */
export const fr = Math.fround;

/**
 * One GGML block format. All functions work on whole blocks (`nb` of them) at byte offsets into
 * unaligned byte arrays, and allocate nothing.
 */
export interface BlockFormat {
  readonly type: GgmlType;
  /** The activation format ggml pairs with this weight type (type_traits_cpu .vec_dot_type). */
  readonly vecDotType: GgmlType;
  dequantize(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, nb: number): void;
  /** ggml's quantize_row_*_ref, byte-exact; absent for formats that are read-only here. */
  quantize?(src: Float32Array, srcOff: number, dst: Uint8Array, dstOff: number, nb: number): void;
  /** ggml's generic ggml_vec_dot_<type>_<vecDotType>; absent where not implemented. */
  vecDot?(w: Uint8Array, wOff: number, xq: Uint8Array, xqOff: number, nb: number): number;
}

/**
 * ggml's `nearest_int`: adds 1.5 * 2^23 in f32 and reads the low mantissa bits, i.e. round half
 * to even for |x| < 2^22 (and ggml's exact bit pattern outside that range).
 */
export function nearestInt(x: number): number {
  const v = Math.fround(x + 12582912);
  // In [2^23, 2^24) the f32 mantissa bits are v - 2^23, so the result is v - 1.5 * 2^23.
  if (v >= 8388608 && v < 16777216) return v - 12582912;
  const i = f32Bits(v);
  return (i & 0x007fffff) - 0x00400000;
}

/** C `roundf` on an f32 value: round half away from zero. */
export function roundf(x: number): number {
  return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
}

/** C conversion of an int to int8_t / uint8_t (wraps modulo 256). */
export function toI8(v: number): number {
  return (v << 24) >> 24;
}

/** Reads an int8 from a byte array. */
export function i8(b: Uint8Array, o: number): number {
  return (b[o]! << 24) >> 24;
}

/** Scale `j` (0..7) of ggml's packed 6-bit K-quant scales/mins (12 bytes at `q`): get_scale_min_k4. */
export function scaleK4(j: number, b: Uint8Array, q: number): number {
  return j < 4 ? b[q + j]! & 63 : (b[q + j + 4]! & 0xf) | ((b[q + j - 4]! >> 6) << 4);
}

/** Min `j` (0..7) of ggml's packed 6-bit K-quant scales/mins (12 bytes at `q`). */
export function minK4(j: number, b: Uint8Array, q: number): number {
  return j < 4 ? b[q + j + 4]! & 63 : (b[q + j + 4]! >> 4) | ((b[q + j]! >> 6) << 4);
}
