// Q4_1: d f16 | m f16 | qs[16] nibbles (20 bytes per 32 values); value = nibble * d + m.
// ggml-quants.c quantize_row_q4_1_ref; activations pair with Q8_1.
import { GgmlType } from '../tensor/dtype.js';
import { type BlockFormat, fr, i8 } from './common.js';
import { readF16, writeF16 } from './f16.js';

const FLT_MAX = 3.4028234663852886e38;

export const Q4_1: BlockFormat = {
  type: GgmlType.Q4_1,
  vecDotType: GgmlType.Q8_1,
  dequantize(src, so, dst, d, nb) {
    for (let i = 0; i < nb; i++, so += 20, d += 32) {
      const s = readF16(src, so);
      const m = readF16(src, so + 2);
      for (let j = 0; j < 16; j++) {
        const q = src[so + 4 + j]!;
        dst[d + j] = fr(fr((q & 0xf) * s) + m);
        dst[d + j + 16] = fr(fr((q >> 4) * s) + m);
      }
    }
  },
  quantize(x, s, y, o, nb) {
    for (let i = 0; i < nb; i++, s += 32, o += 20) {
      let min = FLT_MAX;
      let max = -FLT_MAX;
      for (let j = 0; j < 32; j++) {
        const v = x[s + j]!;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      const d = fr(fr(max - min) / 15);
      const id = d !== 0 ? fr(1 / d) : 0;
      writeF16(y, o, d);
      writeF16(y, o + 2, min);
      for (let j = 0; j < 16; j++) {
        const a = Math.min(15, Math.trunc(fr(fr(fr(x[s + j]! - min) * id) + 0.5)));
        const b = Math.min(15, Math.trunc(fr(fr(fr(x[s + 16 + j]! - min) * id) + 0.5)));
        y[o + 4 + j] = (a & 0xf) | ((b & 0xf) << 4);
      }
    }
  },
  // ggml_vec_dot_q4_1_q8_1_generic
  vecDot(w, wo, x, xo, nb) {
    let sumf = 0;
    for (let i = 0; i < nb; i++, wo += 20, xo += 36) {
      let sumi = 0;
      for (let j = 0; j < 16; j++) {
        const q = w[wo + 4 + j]!;
        sumi += (q & 0xf) * i8(x, xo + 4 + j) + (q >> 4) * i8(x, xo + 20 + j);
      }
      const dd = fr(readF16(w, wo) * readF16(x, xo));
      sumf = fr(sumf + fr(fr(dd * fr(sumi)) + fr(readF16(w, wo + 2) * readF16(x, xo + 2))));
    }
    return sumf;
  },
};
