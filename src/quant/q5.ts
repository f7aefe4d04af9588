// Q5_0 / Q5_1: 5-bit values as low nibbles plus a 32-bit mask of high bits.
// Q5_0: d f16 | qh u32 | qs[16] (22 bytes), value = (q - 16) * d.
// Q5_1: d f16 | m f16 | qh u32 | qs[16] (24 bytes), value = q * d + m.
// ggml-quants.c quantize_row_q5_{0,1}_ref and ggml_vec_dot_q5_{0,1}_q8_{0,1}_generic.
import { GgmlType } from '../tensor/dtype.js';
import { type BlockFormat, fr, i8 } from './common.js';
import { readF16, writeF16 } from './f16.js';

const FLT_MAX = 3.4028234663852886e38;

function readU32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = v >>> 24;
}

/** The 5-bit quant `j` (0..31) of a block whose qh is `qh` and nibbles start at `qs`. */
function q5(b: Uint8Array, qs: number, qh: number, j: number): number {
  const lo = j < 16 ? b[qs + j]! & 0xf : b[qs + j - 16]! >> 4;
  return lo | (((qh >>> j) & 1) << 4);
}

/** Packs the 32 5-bit quants in `a` into qh (u32 at `o`) and qs (16 bytes at `o + 4`). */
function pack5(y: Uint8Array, o: number, a: Int32Array): void {
  let qh = 0;
  for (let j = 0; j < 16; j++) {
    const x0 = a[j]!;
    const x1 = a[j + 16]!;
    y[o + 4 + j] = (x0 & 0xf) | ((x1 & 0xf) << 4);
    qh |= ((x0 & 0x10) >>> 4) << j;
    qh |= ((x1 & 0x10) >>> 4) << (j + 16);
  }
  writeU32(y, o, qh >>> 0);
}

const L = new Int32Array(32);

export const Q5_0: BlockFormat = {
  type: GgmlType.Q5_0,
  vecDotType: GgmlType.Q8_0,
  dequantize(src, so, dst, d, nb) {
    for (let i = 0; i < nb; i++, so += 22, d += 32) {
      const s = readF16(src, so);
      const qh = readU32(src, so + 2);
      for (let j = 0; j < 32; j++) dst[d + j] = fr((q5(src, so + 6, qh, j) - 16) * s);
    }
  },
  quantize(x, s, y, o, nb) {
    for (let i = 0; i < nb; i++, s += 32, o += 22) {
      let amax = 0;
      let max = 0;
      for (let j = 0; j < 32; j++) {
        const v = x[s + j]!;
        if (amax < Math.abs(v)) {
          amax = Math.abs(v);
          max = v;
        }
      }
      const d = fr(max / -16);
      const id = d !== 0 ? fr(1 / d) : 0;
      writeF16(y, o, d);
      for (let j = 0; j < 32; j++) L[j] = Math.min(31, Math.trunc(fr(fr(x[s + j]! * id) + 16.5)));
      pack5(y, o + 2, L);
    }
  },
  vecDot(w, wo, x, xo, nb) {
    let sumf = 0;
    for (let i = 0; i < nb; i++, wo += 22, xo += 34) {
      const qh = readU32(w, wo + 2);
      let sumi = 0;
      for (let j = 0; j < 32; j++) sumi += (q5(w, wo + 6, qh, j) - 16) * i8(x, xo + 2 + j);
      sumf = fr(sumf + fr(fr(readF16(w, wo) * readF16(x, xo)) * fr(sumi)));
    }
    return sumf;
  },
};

export const Q5_1: BlockFormat = {
  type: GgmlType.Q5_1,
  vecDotType: GgmlType.Q8_1,
  dequantize(src, so, dst, d, nb) {
    for (let i = 0; i < nb; i++, so += 24, d += 32) {
      const s = readF16(src, so);
      const m = readF16(src, so + 2);
      const qh = readU32(src, so + 4);
      for (let j = 0; j < 32; j++) dst[d + j] = fr(fr(q5(src, so + 8, qh, j) * s) + m);
    }
  },
  quantize(x, s, y, o, nb) {
    for (let i = 0; i < nb; i++, s += 32, o += 24) {
      let min = FLT_MAX;
      let max = -FLT_MAX;
      for (let j = 0; j < 32; j++) {
        const v = x[s + j]!;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      const d = fr(fr(max - min) / 31);
      const id = d !== 0 ? fr(1 / d) : 0;
      writeF16(y, o, d);
      writeF16(y, o + 2, min);
      // (uint8_t)(x + 0.5f), no clamp in ggml
      for (let j = 0; j < 32; j++) L[j] = Math.trunc(fr(fr(fr(x[s + j]! - min) * id) + 0.5)) & 0xff;
      pack5(y, o + 4, L);
    }
  },
  vecDot(w, wo, x, xo, nb) {
    let sumf = 0;
    for (let i = 0; i < nb; i++, wo += 24, xo += 36) {
      const qh = readU32(w, wo + 4);
      let sumi = 0;
      for (let j = 0; j < 32; j++) sumi += q5(w, wo + 8, qh, j) * i8(x, xo + 4 + j);
      const dd = fr(readF16(w, wo) * readF16(x, xo));
      sumf = fr(sumf + fr(fr(dd * fr(sumi)) + fr(readF16(w, wo + 2) * readF16(x, xo + 2))));
    }
    return sumf;
  },
};
