// 8-bit formats: Q8_0 (weights and the activation format of Q4_0/Q5_0/Q8_0), Q8_1 (activations
// of Q4_1/Q5_1) and Q8_K (activations of the K-quants). ggml-quants.c quantize_row_q8_{0,1,K}_ref.
import { GgmlType } from '../tensor/dtype.js';
import { type BlockFormat, fr, i8, nearestInt, roundf } from './common.js';
import { readF16, readF32, writeF16, writeF32 } from './f16.js';

// Q8_0: d f16 | qs[32] int8 (34 bytes per 32 values).
export const Q8_0: BlockFormat = {
  type: GgmlType.Q8_0,
  vecDotType: GgmlType.Q8_0,
  dequantize(src, so, dst, d, nb) {
    for (let i = 0; i < nb; i++, so += 34, d += 32) {
      const s = readF16(src, so);
      for (let j = 0; j < 32; j++) dst[d + j] = fr(i8(src, so + 2 + j) * s);
    }
  },
  quantize(x, s, y, o, nb) {
    for (let i = 0; i < nb; i++, s += 32, o += 34) {
      let amax = 0;
      for (let j = 0; j < 32; j++) {
        const a = Math.abs(x[s + j]!);
        amax = Math.max(amax, a);
      }
      const d = fr(amax / 127);
      const id = d !== 0 ? fr(1 / d) : 0;
      writeF16(y, o, d);
      for (let j = 0; j < 32; j++) y[o + 2 + j] = roundf(fr(x[s + j]! * id)) & 0xff;
    }
  },
  vecDot(w, wo, x, xo, nb) {
    let sumf = 0;
    for (let i = 0; i < nb; i++, wo += 34, xo += 34) {
      let sumi = 0;
      for (let j = 0; j < 32; j++) sumi += i8(w, wo + 2 + j) * i8(x, xo + 2 + j);
      sumf = fr(sumf + fr(fr(sumi) * fr(readF16(w, wo) * readF16(x, xo))));
    }
    return sumf;
  },
};

// Q8_1: d f16 | s f16 (= d * sum(qs)) | qs[32] int8 (36 bytes). Only an activation format.
export const Q8_1: BlockFormat = {
  type: GgmlType.Q8_1,
  vecDotType: GgmlType.Q8_1,
  dequantize(src, so, dst, d, nb) {
    for (let i = 0; i < nb; i++, so += 36, d += 32) {
      const s = readF16(src, so);
      for (let j = 0; j < 32; j++) dst[d + j] = fr(i8(src, so + 4 + j) * s);
    }
  },
  quantize(x, s, y, o, nb) {
    for (let i = 0; i < nb; i++, s += 32, o += 36) {
      let amax = 0;
      for (let j = 0; j < 32; j++) {
        const a = Math.abs(x[s + j]!);
        amax = Math.max(amax, a);
      }
      const d = fr(amax / 127);
      const id = d !== 0 ? fr(1 / d) : 0;
      writeF16(y, o, d);
      let sum = 0;
      for (let j = 0; j < 32; j++) {
        const q = (roundf(fr(x[s + j]! * id)) << 24) >> 24; // int8_t
        y[o + 4 + j] = q & 0xff;
        sum += q;
      }
      writeF16(y, o + 2, fr(fr(sum) * d));
    }
  },
};

// Q8_K: d f32 | qs[256] int8 | bsums[16] int16 (sums of 16 quants); 292 bytes.
export const Q8_K: BlockFormat = {
  type: GgmlType.Q8_K,
  vecDotType: GgmlType.Q8_K,
  dequantize(src, so, dst, d, nb) {
    for (let i = 0; i < nb; i++, so += 292, d += 256) {
      const s = readF32(src, so);
      for (let j = 0; j < 256; j++) dst[d + j] = fr(s * i8(src, so + 4 + j));
    }
  },
  quantize(x, s, y, o, nb) {
    for (let i = 0; i < nb; i++, s += 256, o += 292) {
      let max = 0;
      let amax = 0;
      for (let j = 0; j < 256; j++) {
        const ax = Math.abs(x[s + j]!);
        if (ax > amax) {
          amax = ax;
          max = x[s + j]!;
        }
      }
      if (amax === 0) {
        y.fill(0, o, o + 292); // ggml leaves bsums untouched here; zero is what they would sum to
        continue;
      }
      const iscale = fr(-127 / max);
      for (let j = 0; j < 256; j++) {
        const v = nearestInt(fr(iscale * x[s + j]!));
        y[o + 4 + j] = Math.min(v, 127) & 0xff;
      }
      for (let j = 0; j < 16; j++) {
        let sum = 0;
        for (let l = 0; l < 16; l++) sum += i8(y, o + 4 + 16 * j + l);
        y[o + 260 + 2 * j] = sum & 0xff;
        y[o + 261 + 2 * j] = (sum >> 8) & 0xff;
      }
      writeF32(y, o, fr(1 / iscale));
    }
  },
};
