// GGML block formats: dequantization, ggml's reference quantizers (byte-exact with
// quantize_row_*_ref) and ggml's generic vec_dot arithmetic, behind one small API keyed by
// GgmlType. Everything here is browser-safe and allocation-free per call.
//
//   dequantizeRow  F32 F16 BF16 Q4_0 Q4_1 Q5_0 Q5_1 Q8_0 Q8_1 Q8_K Q2_K..Q6_K IQ4_NL IQ4_XS
//   quantizeRow    F32 F16 BF16 Q4_0 Q4_1 Q5_0 Q5_1 Q8_0 Q8_1 Q8_K Q2_K..Q6_K
//   vecDot         F32 F16 BF16 Q4_0 Q4_1 Q5_0 Q5_1 Q8_0 Q2_K..Q6_K IQ4_NL IQ4_XS
import { ShapeError, UnsupportedError } from '../errors.js';
import { GgmlType, typeName, typeTraits } from '../tensor/dtype.js';
import { quantizeQ8x86 } from './activation.js';
import type { BlockFormat } from './common.js';
import { FORMATS } from './registry.js';

export type { BlockFormat } from './common.js';
export { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from './f16.js';
export { FORMATS } from './registry.js';

function format(type: GgmlType, op: string): BlockFormat {
  const f = FORMATS.get(type);
  if (f === undefined) throw new UnsupportedError(`${op}: GGML type ${typeName(type)} is not supported`);
  return f;
}

/** Blocks in a row of n values; throws ShapeError when n is not a whole number of blocks. */
function blocks(type: GgmlType, n: number, op: string): number {
  const bs = typeTraits(type).blockSize;
  if (!Number.isSafeInteger(n) || n < 0 || n % bs !== 0) {
    throw new ShapeError(`${op}: row length ${n} is not a multiple of ${typeName(type)}'s block size ${bs}`);
  }
  return n / bs;
}

/** Throws RangeError unless [off, off + len) lies inside an array of `size` elements. */
function inside(op: string, what: string, off: number, len: number, size: number): void {
  if (!Number.isSafeInteger(off) || off < 0 || off + len > size) {
    throw new RangeError(`${op}: ${what} range [${off}, ${off + len}) is outside its array of ${size}`);
  }
}

/** Whether `quantizeRow` supports `type`. */
export function canQuantize(type: GgmlType): boolean {
  return FORMATS.get(type)?.quantize !== undefined;
}

/** Whether `dequantizeRow` supports `type`. */
export function canDequantize(type: GgmlType): boolean {
  return FORMATS.has(type);
}

/** Whether `vecDot` supports weights of `type`. */
export function canVecDot(type: GgmlType): boolean {
  return FORMATS.get(type)?.vecDot !== undefined;
}

/** Decodes n values (a whole number of blocks) at src[srcByteOffset..] into dst[dstOffset..]. */
export function dequantizeRow(
  type: GgmlType,
  src: Uint8Array,
  srcByteOffset: number,
  dst: Float32Array,
  dstOffset: number,
  n: number,
): void {
  const f = format(type, 'dequantizeRow');
  const nb = blocks(type, n, 'dequantizeRow');
  inside('dequantizeRow', 'source', srcByteOffset, nb * typeTraits(type).typeSize, src.length);
  inside('dequantizeRow', 'destination', dstOffset, n, dst.length);
  f.dequantize(src, srcByteOffset, dst, dstOffset, nb);
}

/**
 * Encodes n values (a whole number of blocks) with ggml's reference rounding, byte-exact with
 * quantize_row_*_ref (f32 arithmetic: Math.fround after each operation).
 */
export function quantizeRow(
  type: GgmlType,
  src: Float32Array,
  srcOffset: number,
  dst: Uint8Array,
  dstByteOffset: number,
  n: number,
): void {
  const f = format(type, 'quantizeRow');
  if (f.quantize === undefined) {
    throw new UnsupportedError(`quantizeRow: quantizing to ${typeName(type)} is not implemented`);
  }
  const nb = blocks(type, n, 'quantizeRow');
  inside('quantizeRow', 'source', srcOffset, n, src.length);
  inside('quantizeRow', 'destination', dstByteOffset, nb * typeTraits(type).typeSize, dst.length);
  f.quantize(src, srcOffset, dst, dstByteOffset, nb);
}

/**
 * Converts n activations (a whole number of blocks) into `type`, the weight type's vecDotType, as
 * llama.cpp's CPU backend does on x86: Q8_0 and Q8_1 with the AVX2 rounding (quants = round half
 * to even of x · 127/amax; see activation.ts), every other type with the reference quantizer.
 */
export function quantizeActivationRow(
  type: GgmlType,
  src: Float32Array,
  srcOffset: number,
  dst: Uint8Array,
  dstByteOffset: number,
  n: number,
): void {
  if (type !== GgmlType.Q8_0 && type !== GgmlType.Q8_1) {
    quantizeRow(type, src, srcOffset, dst, dstByteOffset, n);
    return;
  }
  const nb = blocks(type, n, 'quantizeActivationRow');
  inside('quantizeActivationRow', 'source', srcOffset, n, src.length);
  inside('quantizeActivationRow', 'destination', dstByteOffset, nb * typeTraits(type).typeSize, dst.length);
  quantizeQ8x86(type, src, srcOffset, dst, dstByteOffset, nb);
}

/**
 * The activation format ggml pairs with a weight type (ggml-cpu type_traits .vec_dot_type):
 * Q8_0 for Q4_0/Q5_0/Q8_0, Q8_1 for Q4_1/Q5_1, Q8_K for Q2_K..Q6_K, F16, BF16, F32 for themselves.
 */
export function vecDotType(type: GgmlType): GgmlType {
  return format(type, 'vecDotType').vecDotType;
}

/**
 * Dot of one weight row (n values of `type`) with one activation row already converted by
 * quantizeRow(vecDotType(type), ...), with ggml's generic vec_dot_* arithmetic. Returns an f32 value.
 */
export function vecDot(
  type: GgmlType,
  w: Uint8Array,
  wByteOffset: number,
  xq: Uint8Array,
  xqByteOffset: number,
  n: number,
): number {
  const f = format(type, 'vecDot');
  if (f.vecDot === undefined)
    throw new UnsupportedError(`vecDot: ${typeName(type)} weights are not supported`);
  const nb = blocks(type, n, 'vecDot');
  const xt = typeTraits(f.vecDotType);
  inside('vecDot', 'weight', wByteOffset, nb * typeTraits(type).typeSize, w.length);
  inside('vecDot', 'activation', xqByteOffset, (n / xt.blockSize) * xt.typeSize, xq.length);
  return f.vecDot(w, wByteOffset, xq, xqByteOffset, nb);
}
