// Q6_K: 256-value super-blocks of 16 sub-blocks of 16, 210 bytes: ql[128] (low 4 bits) |
// qh[64] (high 2 bits) | scales[16] int8 | d f16. value = d * scale_j * (q - 32).
// ggml-quants.c quantize_row_q6_K_ref and ggml_vec_dot_q6_K_q8_K_generic.
import { GgmlType } from '../../tensor/dtype.js';
import { type BlockFormat, fr, i8, nearestInt, toI8 } from '../common.js';
import { readF16, readF32, writeF16 } from '../f16.js';
import { aux32, Q8K_QS, Q8K_SIZE, sums } from './lanes.js';
import { makeQxQuants } from './make-quants.js';

const GROUP_MAX_EPS = Math.fround(1e-15);
const L = new Uint8Array(256);
const scales = new Float32Array(16);

/** The 6-bit quant (0..63) of element e (0..255) of the Q6_K block at `o`. */
function q6(b: Uint8Array, o: number, e: number): number {
  const half = e >> 7; // 128-value halves: ql advances 64, qh 32
  const r = e & 127;
  const l = r & 31;
  const part = r >> 5; // 0..3
  const ql = b[o + 64 * half + l + (part & 1) * 32]!;
  const lo = part < 2 ? ql & 0xf : ql >> 4;
  const hi = (b[o + 128 + 32 * half + l]! >> (2 * part)) & 3;
  return lo | (hi << 4);
}

export const Q6_K: BlockFormat = {
  type: GgmlType.Q6_K,
  vecDotType: GgmlType.Q8_K,
  dequantize(src, so, dst, d, nb) {
    for (let i = 0; i < nb; i++, so += 210, d += 256) {
      const dAll = readF16(src, so + 208);
      for (let e = 0; e < 256; e++) {
        // sub-block of 16: element e's scale index is e >> 4
        const sc = i8(src, so + 192 + (e >> 4));
        dst[d + e] = fr(fr(dAll * sc) * (q6(src, so, e) - 32));
      }
    }
  },
  quantize(x, s, y, o, nb) {
    for (let i = 0; i < nb; i++, s += 256, o += 210) {
      let maxScale = 0;
      let maxAbsScale = 0;
      for (let ib = 0; ib < 16; ib++) {
        const scale = makeQxQuants(16, 32, x, s + 16 * ib, L, 16 * ib, 1);
        scales[ib] = scale;
        const a = Math.abs(scale);
        if (a > maxAbsScale) {
          maxAbsScale = a;
          maxScale = scale;
        }
      }
      if (maxAbsScale < GROUP_MAX_EPS) {
        y.fill(0, o, o + 210);
        continue;
      }
      const iscale = fr(-128 / maxScale);
      writeF16(y, o + 208, fr(1 / iscale));
      for (let ib = 0; ib < 16; ib++) {
        y[o + 192 + ib] = toI8(Math.min(127, nearestInt(fr(iscale * scales[ib]!)))) & 0xff;
      }
      const dAll = readF16(y, o + 208);
      for (let j = 0; j < 16; j++) {
        const d = fr(dAll * i8(y, o + 192 + j));
        if (d === 0) continue;
        for (let ii = 0; ii < 16; ii++) {
          const l = nearestInt(fr(x[s + 16 * j + ii]! / d));
          L[16 * j + ii] = Math.max(-32, Math.min(31, l)) + 32;
        }
      }
      for (let h = 0; h < 2; h++) {
        const ql = o + 64 * h;
        const qh = o + 128 + 32 * h;
        const b = 128 * h;
        for (let l = 0; l < 32; l++) {
          const l0 = L[b + l]!;
          const l1 = L[b + l + 32]!;
          const l2 = L[b + l + 64]!;
          const l3 = L[b + l + 96]!;
          y[ql + l] = (l0 & 0xf) | ((l2 & 0xf) << 4);
          y[ql + l + 32] = (l1 & 0xf) | ((l3 & 0xf) << 4);
          y[qh + l] = (l0 >> 4) | ((l1 >> 4) << 2) | ((l2 >> 4) << 4) | ((l3 >> 4) << 6);
        }
      }
    }
  },
  vecDot(w, wo, x, xo, nb) {
    sums.fill(0);
    let sumf = 0;
    for (let i = 0; i < nb; i++, wo += 210, xo += Q8K_SIZE) {
      aux32.fill(0);
      for (let j = 0; j < 16; j++) {
        const scale = i8(w, wo + 192 + j);
        for (let l = 0; l < 16; l++) {
          const e = 16 * j + l;
          aux32[l & 7] += scale * ((q6(w, wo, e) - 32) * i8(x, xo + Q8K_QS + e));
        }
      }
      const d = fr(readF16(w, wo + 208) * readF32(x, xo));
      for (let l = 0; l < 8; l++) sums[l] = fr(sums[l]! + fr(d * fr(aux32[l]!)));
    }
    for (let l = 0; l < 8; l++) sumf = fr(sumf + sums[l]!);
    return sumf;
  },
};
