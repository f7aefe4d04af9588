// Activation quantization for the integer dot products, as llama.cpp's CPU backend does it on
// x86 (ggml-cpu/arch/x86/quants.c, the AVX2 quantize_row_q8_0 / quantize_row_q8_1): the block
// scale is d = amax / 127 as in the reference, but the quants are round-half-to-even of
// x · (127 / amax) instead of the reference's roundf(x · (1 / d)). The two differ on a few values
// per row; matching the x86 path is what makes Q4_0/Q5_0/Q8_0 logits agree with llama.cpp's.
// Q8_K (the K-quants' activation format) is the reference quantizer on x86 too.
//
// quantizeRow (the reference) stays the encoder for weights and files; the linear kernels of
// both backends convert activations with quantizeActivationRow.
import { GgmlType } from '../tensor/dtype.js';
import { fr, nearestInt } from './common.js';
import { writeF16 } from './f16.js';
import { quantizeRow } from './index.js';

/**
 * Converts n activations (a whole number of blocks) at src[srcOffset..] into dst[dstByteOffset..]
 * in `type`, the weight type's vecDotType, with ggml's x86 rounding for Q8_0 and Q8_1 and the
 * reference quantizer for every other type.
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
  // Validates n, the ranges and the type exactly as the reference does, then overwrites.
  quantizeRow(type, src, srcOffset, dst, dstByteOffset, n);
  const bs = type === GgmlType.Q8_0 ? 34 : 36;
  const qo = type === GgmlType.Q8_0 ? 2 : 4;
  for (let b = 0, s = srcOffset, o = dstByteOffset; b < n / 32; b++, s += 32, o += bs) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(src[s + j]!));
    const d = fr(amax / 127);
    const id = amax !== 0 ? fr(127 / amax) : 0;
    writeF16(dst, o, d);
    let sum = 0;
    for (let j = 0; j < 32; j++) {
      const q = nearestInt(fr(src[s + j]! * id));
      dst[o + qo + j] = q & 0xff;
      sum += q;
    }
    if (type === GgmlType.Q8_1) writeF16(dst, o + 2, fr(fr(sum) * d));
  }
}
