// Plain scalar types F32, F16 and BF16 as "blocks" of one element. vecDot follows ggml's generic
// ggml_vec_dot_{f32,f16,bf16}: each product in f32, accumulated in double, result rounded to f32.
import { GgmlType } from '../tensor/dtype.js';
import { type BlockFormat, fr } from './common.js';
import { bf16ToF32, f32ToBf16, readF16, readF32, writeF16, writeF32 } from './f16.js';

export const F32: BlockFormat = {
  type: GgmlType.F32,
  vecDotType: GgmlType.F32,
  dequantize(src, so, dst, d, nb) {
    for (let i = 0; i < nb; i++) dst[d + i] = readF32(src, so + 4 * i);
  },
  quantize(src, s, dst, o, nb) {
    for (let i = 0; i < nb; i++) writeF32(dst, o + 4 * i, src[s + i]!);
  },
  vecDot(w, wo, x, xo, nb) {
    let sum = 0;
    for (let i = 0; i < nb; i++) sum += fr(readF32(w, wo + 4 * i) * readF32(x, xo + 4 * i));
    return fr(sum);
  },
};

export const F16: BlockFormat = {
  type: GgmlType.F16,
  vecDotType: GgmlType.F16,
  dequantize(src, so, dst, d, nb) {
    for (let i = 0; i < nb; i++) dst[d + i] = readF16(src, so + 2 * i);
  },
  quantize(src, s, dst, o, nb) {
    for (let i = 0; i < nb; i++) writeF16(dst, o + 2 * i, src[s + i]!);
  },
  vecDot(w, wo, x, xo, nb) {
    let sum = 0;
    for (let i = 0; i < nb; i++) sum += fr(readF16(w, wo + 2 * i) * readF16(x, xo + 2 * i));
    return fr(sum);
  },
};

function readBf16(b: Uint8Array, o: number): number {
  return bf16ToF32(b[o]! | (b[o + 1]! << 8));
}

export const BF16: BlockFormat = {
  type: GgmlType.BF16,
  vecDotType: GgmlType.BF16,
  dequantize(src, so, dst, d, nb) {
    for (let i = 0; i < nb; i++) dst[d + i] = readBf16(src, so + 2 * i);
  },
  quantize(src, s, dst, o, nb) {
    for (let i = 0; i < nb; i++) {
      const h = f32ToBf16(src[s + i]!);
      dst[o + 2 * i] = h & 0xff;
      dst[o + 2 * i + 1] = h >>> 8;
    }
  },
  vecDot(w, wo, x, xo, nb) {
    let sum = 0;
    for (let i = 0; i < nb; i++) sum += fr(readBf16(w, wo + 2 * i) * readBf16(x, xo + 2 * i));
    return fr(sum);
  },
};
