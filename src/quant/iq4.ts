// 4-bit non-linear formats (values from a fixed 16-entry table): IQ4_NL (32-value blocks, 18 bytes:
// d f16 | qs[16]) and IQ4_XS (256-value super-blocks, 136 bytes: d f16 | scales_h u16 |
// scales_l[4] | qs[128], 6-bit sub-block scales offset by 32). Dequantization and ggml's generic
// ggml_vec_dot_iq4_nl_q8_0 / ggml_vec_dot_iq4_xs_q8_K; no quantizer here (ggml's needs a search).
import { GgmlType } from '../tensor/dtype.js';
import { type BlockFormat, fr, i8 } from './common.js';
import { readF16, readF32 } from './f16.js';

/** ggml's kvalues_iq4nl. */
const KVALUES = new Int8Array([-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113]);

export const IQ4_NL: BlockFormat = {
  type: GgmlType.IQ4_NL,
  vecDotType: GgmlType.Q8_0,
  dequantize(src, so, dst, d, nb) {
    for (let i = 0; i < nb; i++, so += 18, d += 32) {
      const s = readF16(src, so);
      for (let j = 0; j < 16; j++) {
        const q = src[so + 2 + j]!;
        dst[d + j] = fr(s * KVALUES[q & 0xf]!);
        dst[d + j + 16] = fr(s * KVALUES[q >> 4]!);
      }
    }
  },
  vecDot(w, wo, x, xo, nb) {
    let sumf = 0;
    for (let i = 0; i < nb; i++, wo += 18, xo += 34) {
      const d = fr(readF16(x, xo) * readF16(w, wo));
      let sumi = 0;
      for (let j = 0; j < 16; j++) {
        const q = w[wo + 2 + j]!;
        sumi += i8(x, xo + 2 + j) * KVALUES[q & 0xf]! + i8(x, xo + 18 + j) * KVALUES[q >> 4]!;
      }
      sumf = fr(sumf + fr(d * fr(sumi)));
    }
    return sumf;
  },
};

/** The 6-bit scale (0..63) of sub-block ib (0..7) of the IQ4_XS block at `o`. */
function scaleXs(b: Uint8Array, o: number, ib: number): number {
  const h = b[o + 2]! | (b[o + 3]! << 8);
  return ((b[o + 4 + (ib >> 1)]! >> (4 * (ib & 1))) & 0xf) | (((h >> (2 * ib)) & 3) << 4);
}

export const IQ4_XS: BlockFormat = {
  type: GgmlType.IQ4_XS,
  vecDotType: GgmlType.Q8_K,
  dequantize(src, so, dst, d, nb) {
    for (let i = 0; i < nb; i++, so += 136) {
      const s = readF16(src, so);
      for (let ib = 0; ib < 8; ib++, d += 32) {
        const dl = fr(s * (scaleXs(src, so, ib) - 32));
        const qs = so + 8 + 16 * ib;
        for (let j = 0; j < 16; j++) {
          dst[d + j] = fr(dl * KVALUES[src[qs + j]! & 0xf]!);
          dst[d + j + 16] = fr(dl * KVALUES[src[qs + j]! >> 4]!);
        }
      }
    }
  },
  vecDot(w, wo, x, xo, nb) {
    let sumf = 0;
    for (let i = 0; i < nb; i++, wo += 136, xo += 292) {
      const d4d8 = fr(readF16(w, wo) * readF32(x, xo));
      for (let ib = 0; ib < 8; ib++) {
        const dl = fr(d4d8 * (scaleXs(w, wo, ib) - 32));
        const qs = wo + 8 + 16 * ib;
        const q8 = xo + 4 + 32 * ib;
        let sumi = 0;
        for (let j = 0; j < 16; j++) {
          sumi += i8(x, q8 + j) * KVALUES[w[qs + j]! & 0xf]! + i8(x, q8 + 16 + j) * KVALUES[w[qs + j]! >> 4]!;
        }
        sumf = fr(sumf + fr(dl * fr(sumi)));
      }
    }
    return sumf;
  },
};
