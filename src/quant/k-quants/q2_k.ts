// Q2_K: 256-value super-blocks of 16 sub-blocks of 16, 84 bytes: scales[16] (low nibble scale,
// high nibble min) | qs[64] (2-bit quants) | d f16 | dmin f16. value = d*sc*q - dmin*m.
// ggml-quants.c quantize_row_q2_K_ref, dequantization and ggml_vec_dot_q2_K_q8_K_generic.
import { GgmlType } from '../../tensor/dtype.js';
import { type BlockFormat, fr, i8, nearestInt } from '../common.js';
import { readF16, readF32, writeF16 } from '../f16.js';
import { bsum, Q8K_QS, Q8K_SIZE } from './lanes.js';
import { makeQkx2Quants, type Qkx2Result } from './make-quants.js';

const F0_1 = Math.fround(0.1);
const L = new Uint8Array(256);
const Laux = new Uint8Array(16);
const weights = new Float32Array(16);
const scales = new Float32Array(16);
const mins = new Float32Array(16);
const res: Qkx2Result = { theMin: 0 };

/** Packs 256 2-bit levels (L) into the 64 bytes at y[o..]: 4 per byte, 32 apart. */
export function pack2(L: Uint8Array, y: Uint8Array, o: number): void {
  for (let j = 0; j < 256; j += 128) {
    for (let l = 0; l < 32; l++) {
      y[o + j / 4 + l] = L[j + l]! | (L[j + l + 32]! << 2) | (L[j + l + 64]! << 4) | (L[j + l + 96]! << 6);
    }
  }
}

export const Q2_K: BlockFormat = {
  type: GgmlType.Q2_K,
  vecDotType: GgmlType.Q8_K,
  dequantize(src, so, dst, d, nb) {
    for (let i = 0; i < nb; i++, so += 84) {
      const dAll = readF16(src, so + 80);
      const mAll = readF16(src, so + 82);
      let is = 0;
      for (let n = 0; n < 2; n++) {
        const q = so + 16 + 32 * n;
        for (let j = 0; j < 4; j++) {
          const shift = 2 * j;
          for (let h = 0; h < 2; h++) {
            const sc = src[so + is++]!;
            const dl = fr(dAll * (sc & 0xf));
            const ml = fr(mAll * (sc >> 4));
            for (let l = 0; l < 16; l++) dst[d++] = fr(fr(dl * ((src[q + 16 * h + l]! >> shift) & 3)) - ml);
          }
        }
      }
    }
  },
  quantize(x, s, y, o, nb) {
    for (let i = 0; i < nb; i++, s += 256, o += 84) {
      let maxScale = 0;
      let maxMin = 0;
      for (let j = 0; j < 16; j++) {
        for (let l = 0; l < 16; l++) weights[l] = Math.abs(x[s + 16 * j + l]!);
        scales[j] = makeQkx2Quants(16, 3, x, s + 16 * j, weights, L, 16 * j, res, Laux, -0.5, F0_1, 15, true);
        mins[j] = res.theMin;
        if (scales[j]! > maxScale) maxScale = scales[j]!;
        if (mins[j]! > maxMin) maxMin = mins[j]!;
      }
      if (maxScale > 0) {
        const iscale = fr(15 / maxScale);
        for (let j = 0; j < 16; j++) y[o + j] = nearestInt(fr(iscale * scales[j]!)) & 0xff;
        writeF16(y, o + 80, fr(maxScale / 15));
      } else {
        y.fill(0, o, o + 16);
        writeF16(y, o + 80, 0);
      }
      if (maxMin > 0) {
        const iscale = fr(15 / maxMin);
        for (let j = 0; j < 16; j++) y[o + j] |= (nearestInt(fr(iscale * mins[j]!)) << 4) & 0xff;
        writeF16(y, o + 82, fr(maxMin / 15));
      } else {
        writeF16(y, o + 82, 0);
      }
      const dAll = readF16(y, o + 80);
      const mAll = readF16(y, o + 82);
      for (let j = 0; j < 16; j++) {
        const d = fr(dAll * (y[o + j]! & 0xf));
        if (d === 0) continue;
        const dm = fr(mAll * (y[o + j]! >> 4));
        for (let ii = 0; ii < 16; ii++) {
          const l = nearestInt(fr(fr(x[s + 16 * j + ii]! + dm) / d));
          L[16 * j + ii] = Math.max(0, Math.min(3, l));
        }
      }
      pack2(L, y, o + 16);
    }
  },
  vecDot(w, wo, x, xo, nb) {
    let sumf = 0;
    for (let i = 0; i < nb; i++, wo += 84, xo += Q8K_SIZE) {
      let summs = 0;
      for (let j = 0; j < 16; j++) summs += bsum(x, xo, j) * (w[wo + j]! >> 4);
      const yd = readF32(x, xo);
      const dall = fr(yd * readF16(w, wo + 80));
      const dmin = fr(yd * readF16(w, wo + 82));
      let isum = 0;
      let is = 0;
      let q8 = xo + Q8K_QS;
      for (let k = 0; k < 2; k++) {
        const q2 = wo + 16 + 32 * k;
        for (let j = 0; j < 4; j++) {
          const shift = 2 * j;
          for (let h = 0; h < 2; h++) {
            const dsc = w[wo + is++]! & 0xf;
            let isuml = 0;
            for (let l = 16 * h; l < 16 * h + 16; l++) isuml += i8(x, q8 + l) * ((w[q2 + l]! >> shift) & 3);
            isum += dsc * isuml;
          }
          q8 += 32;
        }
      }
      sumf = fr(sumf + fr(fr(dall * fr(isum)) - fr(dmin * fr(summs))));
    }
    return sumf;
  },
};
