// Q4_0: d f16 | qs[16] nibbles (18 bytes per 32 values); value = (nibble - 8) * d, low nibbles
// hold elements 0..15 and high nibbles 16..31. ggml-quants.c quantize_row_q4_0_ref.
import { GgmlType } from '../tensor/dtype.js';
import { type BlockFormat, fr, i8 } from './common.js';
import { readF16, writeF16 } from './f16.js';

export const Q4_0: BlockFormat = {
  type: GgmlType.Q4_0,
  vecDotType: GgmlType.Q8_0,
  dequantize(src, so, dst, d, nb) {
    for (let i = 0; i < nb; i++, so += 18, d += 32) {
      const s = readF16(src, so);
      for (let j = 0; j < 16; j++) {
        const q = src[so + 2 + j]!;
        dst[d + j] = fr(((q & 0xf) - 8) * s);
        dst[d + j + 16] = fr(((q >> 4) - 8) * s);
      }
    }
  },
  quantize(x, s, y, o, nb) {
    for (let i = 0; i < nb; i++, s += 32, o += 18) {
      let amax = 0;
      let max = 0;
      for (let j = 0; j < 32; j++) {
        const v = x[s + j]!;
        if (amax < Math.abs(v)) {
          amax = Math.abs(v);
          max = v;
        }
      }
      const d = fr(max / -8);
      const id = d !== 0 ? fr(1 / d) : 0;
      writeF16(y, o, d);
      for (let j = 0; j < 16; j++) {
        // (int8_t)(x*id + 8.5f): truncation toward zero, then MIN(15, .)
        const a = Math.min(15, Math.trunc(fr(fr(x[s + j]! * id) + 8.5)));
        const b = Math.min(15, Math.trunc(fr(fr(x[s + 16 + j]! * id) + 8.5)));
        y[o + 2 + j] = (a & 0xf) | ((b & 0xf) << 4);
      }
    }
  },
  // ggml_vec_dot_q4_0_q8_0_generic
  vecDot(w, wo, x, xo, nb) {
    let sumf = 0;
    for (let i = 0; i < nb; i++, wo += 18, xo += 34) {
      let sumi = 0;
      for (let j = 0; j < 16; j++) {
        const q = w[wo + 2 + j]!;
        sumi += ((q & 0xf) - 8) * i8(x, xo + 2 + j) + ((q >> 4) - 8) * i8(x, xo + 18 + j);
      }
      sumf = fr(sumf + fr(fr(fr(sumi) * readF16(w, wo)) * readF16(x, xo)));
    }
    return sumf;
  },
};
