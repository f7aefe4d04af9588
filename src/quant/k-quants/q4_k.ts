// Q4_K: 256-value super-blocks of 8 sub-blocks of 32, 144 bytes:
// d f16 | dmin f16 | scales[12] (packed 6-bit scale and min per sub-block) | qs[128] nibbles.
// value = d * scale_j * q - dmin * min_j. ggml-quants.c quantize_row_q4_K_ref and
// ggml_vec_dot_q4_K_q8_K_generic.
import { GgmlType } from '../../tensor/dtype.js';
import { type BlockFormat, fr, i8, minK4, nearestInt, scaleK4 } from '../common.js';
import { readF16, readF32, writeF16 } from '../f16.js';
import { aux32, bsum, Q8K_QS, Q8K_SIZE, sums } from './lanes.js';
import { makeQkx2Quants, type Qkx2Result } from './make-quants.js';

const F0_1 = Math.fround(0.1);

// Scratch shared by Q4_K and Q5_K quantization.
export const kL = new Uint8Array(256);
export const kLaux = new Uint8Array(32);
export const kWeights = new Float32Array(32);
export const kScales = new Float32Array(8);
export const kMins = new Float32Array(8);
export const kRes: Qkx2Result = { theMin: 0 };

/**
 * The common part of quantize_row_q4_K_ref / q5_K_ref: per-sub-block asymmetric scale search,
 * packed 6-bit scales/mins at y[o+4..o+16), d/dmin at y[o], y[o+2], final levels 0..nmax in kL.
 */
export function quantizeScalesK(
  x: Float32Array,
  s: number,
  y: Uint8Array,
  o: number,
  nmax: number,
  rmin: number,
  nstep: number,
): void {
  let maxScale = 0;
  let maxMin = 0;
  for (let j = 0; j < 8; j++) {
    let sumX2 = 0;
    for (let l = 0; l < 32; l++) sumX2 = fr(sumX2 + fr(x[s + 32 * j + l]! * x[s + 32 * j + l]!));
    const avX = fr(Math.sqrt(fr(sumX2 / 32)));
    for (let l = 0; l < 32; l++) kWeights[l] = avX + Math.abs(x[s + 32 * j + l]!);
    const sc = makeQkx2Quants(
      32,
      nmax,
      x,
      s + 32 * j,
      kWeights,
      kL,
      32 * j,
      kRes,
      kLaux,
      rmin,
      F0_1,
      nstep,
      false,
    );
    kScales[j] = sc;
    kMins[j] = kRes.theMin;
    if (kScales[j]! > maxScale) maxScale = kScales[j]!;
    if (kMins[j]! > maxMin) maxMin = kMins[j]!;
  }
  const invScale = maxScale > 0 ? fr(63 / maxScale) : 0;
  const invMin = maxMin > 0 ? fr(63 / maxMin) : 0;
  const q = o + 4;
  for (let j = 0; j < 8; j++) {
    const ls = Math.min(63, nearestInt(fr(invScale * kScales[j]!)) & 0xff);
    const lm = Math.min(63, nearestInt(fr(invMin * kMins[j]!)) & 0xff);
    if (j < 4) {
      y[q + j] = ls;
      y[q + j + 4] = lm;
    } else {
      y[q + j + 4] = (ls & 0xf) | ((lm & 0xf) << 4);
      y[q + j - 4] |= (ls >> 4) << 6;
      y[q + j] |= (lm >> 4) << 6;
    }
  }
  writeF16(y, o, fr(maxScale / 63));
  writeF16(y, o + 2, fr(maxMin / 63));
  const dAll = readF16(y, o);
  const mAll = readF16(y, o + 2);
  for (let j = 0; j < 8; j++) {
    const d = fr(dAll * scaleK4(j, y, q));
    if (d === 0) continue;
    const dm = fr(mAll * minK4(j, y, q));
    for (let ii = 0; ii < 32; ii++) {
      const l = nearestInt(fr(fr(x[s + 32 * j + ii]! + dm) / d));
      kL[32 * j + ii] = Math.max(0, Math.min(nmax, l));
    }
  }
}

export const Q4_K: BlockFormat = {
  type: GgmlType.Q4_K,
  vecDotType: GgmlType.Q8_K,
  dequantize(src, so, dst, d, nb) {
    for (let i = 0; i < nb; i++, so += 144) {
      const dAll = readF16(src, so);
      const mAll = readF16(src, so + 2);
      for (let j = 0; j < 4; j++) {
        const q = so + 16 + 32 * j;
        const d1 = fr(dAll * scaleK4(2 * j, src, so + 4));
        const m1 = fr(mAll * minK4(2 * j, src, so + 4));
        const d2 = fr(dAll * scaleK4(2 * j + 1, src, so + 4));
        const m2 = fr(mAll * minK4(2 * j + 1, src, so + 4));
        for (let l = 0; l < 32; l++) dst[d++] = fr(fr(d1 * (src[q + l]! & 0xf)) - m1);
        for (let l = 0; l < 32; l++) dst[d++] = fr(fr(d2 * (src[q + l]! >> 4)) - m2);
      }
    }
  },
  quantize(x, s, y, o, nb) {
    for (let i = 0; i < nb; i++, s += 256, o += 144) {
      quantizeScalesK(x, s, y, o, 15, -1, 20);
      for (let j = 0; j < 4; j++) {
        for (let l = 0; l < 32; l++) y[o + 16 + 32 * j + l] = kL[64 * j + l]! | (kL[64 * j + l + 32]! << 4);
      }
    }
  },
  vecDot(w, wo, x, xo, nb) {
    sums.fill(0);
    let sumf = 0;
    for (let i = 0; i < nb; i++, wo += 144, xo += Q8K_SIZE) {
      aux32.fill(0);
      for (let g = 0; g < 8; g++) {
        // sub-block g: nibbles of qs[32*(g>>1) ..], low for even g, high for odd g
        const scale = scaleK4(g, w, wo + 4);
        const q = wo + 16 + 32 * (g >> 1);
        const shift = (g & 1) * 4;
        const e0 = xo + Q8K_QS + 32 * g;
        for (let l = 0; l < 32; l++) aux32[l & 7] += scale * (((w[q + l]! >> shift) & 0xf) * i8(x, e0 + l));
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
