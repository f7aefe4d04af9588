// Q5_K: 256-value super-blocks, 176 bytes: d f16 | dmin f16 | scales[12] | qh[32] (5th bits) |
// qs[128] nibbles. value = d * scale_j * q - dmin * min_j, q in 0..31. ggml-quants.c
// quantize_row_q5_K_ref and ggml_vec_dot_q5_K_q8_K_generic.
import { GgmlType } from '../../tensor/dtype.js';
import { type BlockFormat, fr, i8, minK4, scaleK4 } from '../common.js';
import { readF16, readF32 } from '../f16.js';
import { aux32, bsum, Q8K_QS, Q8K_SIZE, sums } from './lanes.js';
import { kL, quantizeScalesK } from './q4_k.js';

export const Q5_K: BlockFormat = {
  type: GgmlType.Q5_K,
  vecDotType: GgmlType.Q8_K,
  dequantize(src, so, dst, d, nb) {
    for (let i = 0; i < nb; i++, so += 176) {
      const dAll = readF16(src, so);
      const mAll = readF16(src, so + 2);
      const qh = so + 16;
      for (let j = 0; j < 4; j++) {
        const ql = so + 48 + 32 * j;
        const u1 = 1 << (2 * j);
        const u2 = 2 << (2 * j);
        const d1 = fr(dAll * scaleK4(2 * j, src, so + 4));
        const m1 = fr(mAll * minK4(2 * j, src, so + 4));
        const d2 = fr(dAll * scaleK4(2 * j + 1, src, so + 4));
        const m2 = fr(mAll * minK4(2 * j + 1, src, so + 4));
        for (let l = 0; l < 32; l++) {
          dst[d++] = fr(fr(d1 * ((src[ql + l]! & 0xf) + (src[qh + l]! & u1 ? 16 : 0))) - m1);
        }
        for (let l = 0; l < 32; l++) {
          dst[d++] = fr(fr(d2 * ((src[ql + l]! >> 4) + (src[qh + l]! & u2 ? 16 : 0))) - m2);
        }
      }
    }
  },
  quantize(x, s, y, o, nb) {
    for (let i = 0; i < nb; i++, s += 256, o += 176) {
      quantizeScalesK(x, s, y, o, 31, -0.5, 15);
      const qh = o + 16;
      y.fill(0, qh, qh + 32);
      for (let n = 0; n < 4; n++) {
        const m1 = 1 << (2 * n);
        const m2 = 2 << (2 * n);
        const ql = o + 48 + 32 * n;
        for (let j = 0; j < 32; j++) {
          let l1 = kL[64 * n + j]!;
          if (l1 > 15) {
            l1 -= 16;
            y[qh + j] |= m1;
          }
          let l2 = kL[64 * n + j + 32]!;
          if (l2 > 15) {
            l2 -= 16;
            y[qh + j] |= m2;
          }
          y[ql + j] = l1 | (l2 << 4);
        }
      }
    }
  },
  vecDot(w, wo, x, xo, nb) {
    sums.fill(0);
    let sumf = 0;
    for (let i = 0; i < nb; i++, wo += 176, xo += Q8K_SIZE) {
      aux32.fill(0);
      for (let g = 0; g < 8; g++) {
        const scale = scaleK4(g, w, wo + 4);
        const q = wo + 48 + 32 * (g >> 1);
        const shift = (g & 1) * 4;
        const m = 1 << g;
        const e0 = xo + Q8K_QS + 32 * g;
        for (let l = 0; l < 32; l++) {
          const a = ((w[q + l]! >> shift) & 0xf) + (w[wo + 16 + l]! & m ? 16 : 0);
          aux32[l & 7] += scale * (a * i8(x, e0 + l));
        }
      }
      let sumi = 0;
      for (let j = 0; j < 16; j++) sumi += bsum(x, xo, j) * minK4(j >> 1, w, wo + 4);
      const yd = readF32(x, xo);
      const d = fr(readF16(w, wo) * yd);
      for (let l = 0; l < 8; l++) sums[l] = fr(sums[l]! + fr(d * fr(aux32[l]!)));
      const dmin = fr(readF16(w, wo + 2) * yd);
      sumf = fr(sumf - fr(dmin * fr(sumi)));
    }
    for (let l = 0; l < 8; l++) sumf = fr(sumf + sums[l]!);
    return sumf;
  },
};
