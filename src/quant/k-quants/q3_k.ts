// Q3_K: 256-value super-blocks of 16 sub-blocks of 16, 110 bytes: hmask[32] (3rd bits) |
// qs[64] (low 2 bits) | scales[12] (packed 6-bit, offset 32) | d f16. value = d*(sc-32)*(q-4).
// ggml-quants.c quantize_row_q3_K_ref, dequantization and ggml_vec_dot_q3_K_q8_K_generic.
import { GgmlType } from '../../tensor/dtype.js';
import { type BlockFormat, fr, i8, nearestInt, toI8 } from '../common.js';
import { readF16, readF32, writeF16 } from '../f16.js';
import { aux32, Q8K_QS, Q8K_SIZE, sums } from './lanes.js';
import { makeQ3Quants } from './make-quants.js';
import { pack2 } from './q2_k.js';

const L = new Int8Array(256);
const Lu = new Uint8Array(256);
const scales = new Float32Array(16);

/** Signed scale j (0..15) of the Q3_K block at `o`: 6 bits unpacked, minus 32. */
function scale3(b: Uint8Array, o: number, j: number): number {
  const lo = j < 8 ? b[o + 96 + j]! & 0xf : b[o + 96 + j - 8]! >> 4;
  const hi = (b[o + 96 + 8 + (j & 3)]! >> (2 * (j >> 2))) & 3;
  return (lo | (hi << 4)) - 32;
}

/** Signed quant (-4..3) of element e (0..255) of the Q3_K block at `o`. */
function q3(b: Uint8Array, o: number, e: number): number {
  const g = e >> 5; // group of 32: qs half g >> 2, shift 2 * (g & 3), hmask bit g
  const l = e & 31;
  const q = (b[o + 32 + 32 * (g >> 2) + l]! >> (2 * (g & 3))) & 3;
  return q - (b[o + l]! & (1 << g) ? 0 : 4);
}

export const Q3_K: BlockFormat = {
  type: GgmlType.Q3_K,
  vecDotType: GgmlType.Q8_K,
  dequantize(src, so, dst, d, nb) {
    for (let i = 0; i < nb; i++, so += 110, d += 256) {
      const dAll = readF16(src, so + 108);
      for (let j = 0; j < 16; j++) {
        const dl = fr(dAll * scale3(src, so, j));
        for (let l = 0; l < 16; l++) dst[d + 16 * j + l] = fr(dl * q3(src, so, 16 * j + l));
      }
    }
  },
  quantize(x, s, y, o, nb) {
    for (let i = 0; i < nb; i++, s += 256, o += 110) {
      let maxScale = 0;
      let amax = 0;
      for (let j = 0; j < 16; j++) {
        scales[j] = makeQ3Quants(16, 4, x, s + 16 * j, L, 16 * j);
        const a = Math.abs(scales[j]!);
        if (a > amax) {
          amax = a;
          maxScale = scales[j]!;
        }
      }
      const sc = o + 96;
      y.fill(0, sc, sc + 12);
      if (maxScale !== 0) {
        const iscale = fr(-32 / maxScale);
        for (let j = 0; j < 16; j++) {
          let l = toI8(nearestInt(fr(iscale * scales[j]!)));
          l = Math.max(-32, Math.min(31, l)) + 32;
          if (j < 8) y[sc + j] = l & 0xf;
          else y[sc + j - 8] |= (l & 0xf) << 4;
          l >>= 4;
          y[sc + 8 + (j % 4)] |= l << (2 * (j >> 2));
        }
        writeF16(y, o + 108, fr(1 / iscale));
      } else {
        writeF16(y, o + 108, 0);
      }
      const dAll = readF16(y, o + 108);
      for (let j = 0; j < 16; j++) {
        const d = fr(dAll * scale3(y, o, j));
        if (d === 0) continue;
        for (let ii = 0; ii < 16; ii++) {
          const l = nearestInt(fr(x[s + 16 * j + ii]! / d));
          L[16 * j + ii] = Math.max(-4, Math.min(3, l)) + 4;
        }
      }
      // high bits: element j's bit goes to hmask[j % 32], bit j / 32
      y.fill(0, o, o + 32);
      for (let j = 0; j < 256; j++) {
        let l = L[j]!;
        if (l > 3) {
          y[o + (j & 31)] |= 1 << (j >> 5);
          l -= 4;
        }
        Lu[j] = l;
      }
      pack2(Lu, y, o + 32);
    }
  },
  vecDot(w, wo, x, xo, nb) {
    sums.fill(0);
    let sumf = 0;
    for (let i = 0; i < nb; i++, wo += 110, xo += Q8K_SIZE) {
      aux32.fill(0);
      for (let j = 0; j < 16; j++) {
        const sc = scale3(w, wo, j);
        for (let l = 0; l < 16; l++) {
          const e = 16 * j + l;
          aux32[l & 7] += sc * (i8(x, xo + Q8K_QS + e) * q3(w, wo, e));
        }
      }
      const d = fr(readF16(w, wo + 108) * readF32(x, xo));
      for (let l = 0; l < 8; l++) sums[l] = fr(sums[l]! + fr(d * fr(aux32[l]!)));
    }
    for (let l = 0; l < 8; l++) sumf = fr(sumf + sums[l]!);
    return sumf;
  },
};
