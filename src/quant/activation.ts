// Activation quantization for the integer dot products, as llama.cpp's CPU backend does it on
// x86 (ggml-cpu/arch/x86/quants.c, the AVX2 quantize_row_q8_0 / quantize_row_q8_1): the block
// scale is d = amax / 127 as in the reference, but the quants are round-half-to-even of
// x · (127 / amax) instead of the reference's roundf(x · (1 / d)). The two differ on a few values
// per row; matching the x86 path is what makes Q4_0/Q5_0/Q8_0 logits agree with llama.cpp's.
// Q8_K (the K-quants' activation format) is the reference quantizer on x86 too.
//
// quantizeRow (the reference) stays the encoder for weights and files; the linear kernels of
// both backends convert activations with quantizeActivationRow (index.ts), which calls this.
import { GgmlType } from '../tensor/dtype.js';
import { fr, nearestInt } from './common.js';
import { writeF16 } from './f16.js';

/**
 * nb blocks of 32 activations at src[so..] → Q8_0 (34-byte) or Q8_1 (36-byte) blocks at dst[o..]
 * with ggml's x86 rounding. Unchecked: quantizeActivationRow (index.ts) validates the ranges.
 */
export function quantizeQ8x86(
  type: GgmlType.Q8_0 | GgmlType.Q8_1,
  src: Float32Array,
  so: number,
  dst: Uint8Array,
  o: number,
  nb: number,
): void {
  const bs = type === GgmlType.Q8_0 ? 34 : 36;
  const qo = type === GgmlType.Q8_0 ? 2 : 4;
  for (let b = 0; b < nb; b++, so += 32, o += bs) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(src[so + j]!));
    const d = fr(amax / 127);
    const id = amax !== 0 ? fr(127 / amax) : 0;
    writeF16(dst, o, d);
    let sum = 0;
    for (let j = 0; j < 32; j++) {
      const q = nearestInt(fr(src[so + j]! * id));
      dst[o + qo + j] = q & 0xff;
      sum += q;
    }
    if (type === GgmlType.Q8_1) writeF16(dst, o + 2, fr(fr(sum) * d));
  }
}
