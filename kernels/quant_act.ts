// On-the-fly activation quantization for the quantized linear kernels, value-exact with ggml's
// x86 quantize_row_q8_0 (round half to even of x · 127/amax) and quantize_row_q8_K_ref, as
// src/quant/activation.ts (quantizeActivationRow) in the JS reference.
//
// The converted rows are written in a private planar layout (not ggml's block structs), for
// m rows of K values (row t, block b):
//   q8  [m][K]  int8 quants
//   q16 [m][K]  the same quants as int16 (used by the portable build and by Q8_0 weights)
//   d   Q8_0: f32 [m][K/32], the block scale f16-rounded (as stored by ggml) then widened
//       Q8_K: f32 [m][K/256], the super-block scale
//   Q8_0: s  i32 [m][K/32]  −8·Σ q over the block (the Q4_0 offset term)
//   Q8_K: bs16 i16 [m][K/16] sums of 16 quants (ggml's bsums); bs32 i16 [m][K/32] sums of 32
//   (for Q4_0, Q4_K and Q6_K weights q8 and q16 are written in the order of their kernels' layouts: see
//   the perm argument of quant_act_q8_0 and quant_act_q8_k)
// Kernels are parallel over rows t in [r0, r1).

import { qroundF16 } from './quant_util';

// biome-ignore lint/complexity/noStaticOnlyClass: a class carries AssemblyScript's @inline decorators
class QA {
  /**
   * ggml's nearest_int (round half to even) for |v| < 2^22: the bits of v + 1.5·2^23, rebased.
   * Also converts integer-valued floats exactly.
   */
  @inline static toInt(v: v128): v128 {
    return i32x4.sub(f32x4.add(v, f32x4.splat(12582912.0)), i32x4.splat(0x4b400000));
  }

  /** max over lanes of |v| for 8 vectors, as f32 (abs bits compared as integers: monotonic). */
  @inline static amax8(v0: v128, v1: v128, v2: v128, v3: v128, v4: v128, v5: v128, v6: v128, v7: v128): f32 {
    const a = i32x4.splat(0x7fffffff);
    let m = i32x4.max_s(
      i32x4.max_s(
        i32x4.max_s(v128.and(v0, a), v128.and(v1, a)),
        i32x4.max_s(v128.and(v2, a), v128.and(v3, a)),
      ),
      i32x4.max_s(
        i32x4.max_s(v128.and(v4, a), v128.and(v5, a)),
        i32x4.max_s(v128.and(v6, a), v128.and(v7, a)),
      ),
    );
    m = i32x4.max_s(m, i32x4.shuffle(m, m, 2, 3, 0, 1));
    m = i32x4.max_s(m, i32x4.shuffle(m, m, 1, 0, 3, 2));
    return f32x4.extract_lane(m, 0);
  }
}

/**
 * x [m][K] f32 → Q8_0 planes (see the file header). K % 32 == 0. perm = 1 writes the q8 and q16
 * planes of every full group of 4 blocks in the order of the Q4_0 kernel's 'g4t' weight layout
 * (kernels/quant_q4_0.ts): the group's vector k, position p holds value 32·(p >> 2) + 4k + (p & 3)
 * of the group; the last K/32 mod 4 blocks stay in order.
 */
export function quant_act_q8_0(
  x: usize,
  K: i32,
  q8: usize,
  q16: usize,
  d: usize,
  s: usize,
  perm: i32,
  r0: i32,
  r1: i32,
): void {
  const nb = K >> 5;
  const nperm = perm ? nb & ~3 : 0;
  for (let t = r0; t < r1; t++) {
    let xp = x + <usize>t * <usize>K * 4;
    let qp = q8 + <usize>t * <usize>K;
    let q16p = q16 + <usize>t * <usize>K * 2;
    let dp = d + <usize>t * <usize>nb * 4;
    let sp = s + <usize>t * <usize>nb * 4;
    for (let b = 0; b < nb; b++) {
      const v0 = v128.load(xp);
      const v1 = v128.load(xp, 16);
      const v2 = v128.load(xp, 32);
      const v3 = v128.load(xp, 48);
      const v4 = v128.load(xp, 64);
      const v5 = v128.load(xp, 80);
      const v6 = v128.load(xp, 96);
      const v7 = v128.load(xp, 112);
      const amax = QA.amax8(v0, v1, v2, v3, v4, v5, v6, v7);
      // ggml's x86 quantize_row_q8_0: d = amax/127, quants = round-half-even(x · 127/amax).
      const dd: f32 = amax / 127.0;
      const id: f32 = amax !== 0 ? <f32>127.0 / amax : 0;
      const idv = f32x4.splat(id);
      const i0 = QA.toInt(f32x4.mul(v0, idv));
      const i1 = QA.toInt(f32x4.mul(v1, idv));
      const i2 = QA.toInt(f32x4.mul(v2, idv));
      const i3 = QA.toInt(f32x4.mul(v3, idv));
      const i4 = QA.toInt(f32x4.mul(v4, idv));
      const i5 = QA.toInt(f32x4.mul(v5, idv));
      const i6 = QA.toInt(f32x4.mul(v6, idv));
      const i7 = QA.toInt(f32x4.mul(v7, idv));
      const h0 = i16x8.narrow_i32x4_s(i0, i1);
      const h1 = i16x8.narrow_i32x4_s(i2, i3);
      const h2 = i16x8.narrow_i32x4_s(i4, i5);
      const h3 = i16x8.narrow_i32x4_s(i6, i7);
      const n0 = i8x16.narrow_i16x8_s(h0, h1);
      const n1 = i8x16.narrow_i16x8_s(h2, h3);
      if (b < nperm) {
        // values 4k .. 4k + 3 of block bi of its group of 4 to bytes 4·bi .. 4·bi + 3 of the
        // group's vector k (q8: 16 bytes per vector; q16: 32)
        const bi = <usize>(b & 3);
        const g8 = qp - (bi << 5) + (bi << 2);
        store<i32>(g8, i32x4.extract_lane(n0, 0));
        store<i32>(g8, i32x4.extract_lane(n0, 1), 16);
        store<i32>(g8, i32x4.extract_lane(n0, 2), 32);
        store<i32>(g8, i32x4.extract_lane(n0, 3), 48);
        store<i32>(g8, i32x4.extract_lane(n1, 0), 64);
        store<i32>(g8, i32x4.extract_lane(n1, 1), 80);
        store<i32>(g8, i32x4.extract_lane(n1, 2), 96);
        store<i32>(g8, i32x4.extract_lane(n1, 3), 112);
        const g16 = q16p - (bi << 6) + (bi << 3);
        store<i64>(g16, i64x2.extract_lane(h0, 0));
        store<i64>(g16, i64x2.extract_lane(h0, 1), 32);
        store<i64>(g16, i64x2.extract_lane(h1, 0), 64);
        store<i64>(g16, i64x2.extract_lane(h1, 1), 96);
        store<i64>(g16, i64x2.extract_lane(h2, 0), 128);
        store<i64>(g16, i64x2.extract_lane(h2, 1), 160);
        store<i64>(g16, i64x2.extract_lane(h3, 0), 192);
        store<i64>(g16, i64x2.extract_lane(h3, 1), 224);
      } else {
        v128.store(q16p, h0);
        v128.store(q16p, h1, 16);
        v128.store(q16p, h2, 32);
        v128.store(q16p, h3, 48);
        v128.store(qp, n0);
        v128.store(qp, n1, 16);
      }
      const sv = i32x4.add(
        i32x4.add(i32x4.extadd_pairwise_i16x8_s(h0), i32x4.extadd_pairwise_i16x8_s(h1)),
        i32x4.add(i32x4.extadd_pairwise_i16x8_s(h2), i32x4.extadd_pairwise_i16x8_s(h3)),
      );
      const sum =
        i32x4.extract_lane(sv, 0) +
        i32x4.extract_lane(sv, 1) +
        i32x4.extract_lane(sv, 2) +
        i32x4.extract_lane(sv, 3);
      store<f32>(dp, qroundF16(dd));
      store<i32>(sp, -8 * sum);
      xp += 128;
      qp += 32;
      q16p += 64;
      dp += 4;
      sp += 4;
    }
  }
}

/**
 * x [m][K] f32 → Q8_K planes (see the file header). K % 256 == 0. perm = 1 writes the q8 and q16
 * planes in the order of the Q4_K kernel's 'q4k-t' weight layout (kernels/quant_q4_k.ts): vector
 * k of a super-block, position p holds value 32·(p >> 1) + 2k + (p & 1); perm = 2 in the order
 * of the Q6_K kernel's 'q6k-t': vector 8H + k, position p holds value 128H + 16·(p >> 1) + 2k +
 * (p & 1).
 */
export function quant_act_q8_k(
  x: usize,
  K: i32,
  q8: usize,
  q16: usize,
  d: usize,
  bs16: usize,
  bs32: usize,
  perm: i32,
  r0: i32,
  r1: i32,
): void {
  const nsb = K >> 8;
  for (let t = r0; t < r1; t++) {
    let xp = x + <usize>t * <usize>K * 4;
    let qp = q8 + <usize>t * <usize>K;
    let q16p = q16 + <usize>t * <usize>K * 2;
    let dp = d + <usize>t * <usize>nsb * 4;
    let b16 = bs16 + <usize>t * <usize>(K >> 4) * 2;
    let b32 = bs32 + <usize>t * <usize>(K >> 5) * 2;
    for (let sb = 0; sb < nsb; sb++) {
      // amax, then the first element reaching it (ggml keeps the first on ties)
      let amax: f32 = 0;
      for (let j: usize = 0; j < 1024; j += 128) {
        const a = QA.amax8(
          v128.load(xp + j),
          v128.load(xp + j, 16),
          v128.load(xp + j, 32),
          v128.load(xp + j, 48),
          v128.load(xp + j, 64),
          v128.load(xp + j, 80),
          v128.load(xp + j, 96),
          v128.load(xp + j, 112),
        );
        amax = reinterpret<i32>(a) > reinterpret<i32>(amax) ? a : amax;
      }
      if (amax === 0) {
        store<f32>(dp, 0);
        for (let j: usize = 0; j < 256; j += 16) v128.store(qp + j, i32x4.splat(0));
        for (let j: usize = 0; j < 512; j += 16) v128.store(q16p + j, i32x4.splat(0));
        for (let j: usize = 0; j < 32; j += 16) v128.store(b16 + j, i32x4.splat(0));
        v128.store(b32, i32x4.splat(0));
      } else {
        let max: f32 = 0;
        for (let j: usize = 0; j < 1024; j += 4) {
          const v = load<f32>(xp + j);
          if (Mathf.abs(v) === amax) {
            max = v;
            break;
          }
        }
        const iscale: f32 = <f32>-127.0 / max;
        const isv = f32x4.splat(iscale);
        const lim = i32x4.splat(127);
        for (let g: usize = 0; g < 16; g++) {
          // 16 values → one v128 of int8, two of int16, one 16-sum
          const p = xp + (g << 6);
          const i0 = i32x4.min_s(QA.toInt(f32x4.mul(v128.load(p), isv)), lim);
          const i1 = i32x4.min_s(QA.toInt(f32x4.mul(v128.load(p, 16), isv)), lim);
          const i2 = i32x4.min_s(QA.toInt(f32x4.mul(v128.load(p, 32), isv)), lim);
          const i3 = i32x4.min_s(QA.toInt(f32x4.mul(v128.load(p, 48), isv)), lim);
          const h0 = i16x8.narrow_i32x4_s(i0, i1);
          const h1 = i16x8.narrow_i32x4_s(i2, i3);
          const q = i8x16.narrow_i16x8_s(h0, h1);
          if (perm) {
            // pairs of values (u16 in q8, u32 in q16) to one lane of 8 consecutive vectors:
            // perm 1 (Q4_K, sub-blocks of 32): pairs of sub-block g >> 1 to lane g >> 1 of vectors
            // 8·(g & 1) .. + 7; perm 2 (Q6_K, sub-blocks of 16): pairs of sub-block g to lane g & 7
            // of vectors 8·(g >> 3) .. + 7
            const b8 =
              perm === 1 ? qp + ((g & 1) << 7) + ((g >> 1) << 1) : qp + ((g >> 3) << 7) + ((g & 7) << 1);
            store<u16>(b8, i16x8.extract_lane_u(q, 0));
            store<u16>(b8, i16x8.extract_lane_u(q, 1), 16);
            store<u16>(b8, i16x8.extract_lane_u(q, 2), 32);
            store<u16>(b8, i16x8.extract_lane_u(q, 3), 48);
            store<u16>(b8, i16x8.extract_lane_u(q, 4), 64);
            store<u16>(b8, i16x8.extract_lane_u(q, 5), 80);
            store<u16>(b8, i16x8.extract_lane_u(q, 6), 96);
            store<u16>(b8, i16x8.extract_lane_u(q, 7), 112);
            const b16 =
              perm === 1 ? q16p + ((g & 1) << 8) + ((g >> 1) << 2) : q16p + ((g >> 3) << 8) + ((g & 7) << 2);
            store<i32>(b16, i32x4.extract_lane(h0, 0));
            store<i32>(b16, i32x4.extract_lane(h0, 1), 32);
            store<i32>(b16, i32x4.extract_lane(h0, 2), 64);
            store<i32>(b16, i32x4.extract_lane(h0, 3), 96);
            store<i32>(b16, i32x4.extract_lane(h1, 0), 128);
            store<i32>(b16, i32x4.extract_lane(h1, 1), 160);
            store<i32>(b16, i32x4.extract_lane(h1, 2), 192);
            store<i32>(b16, i32x4.extract_lane(h1, 3), 224);
          } else {
            v128.store(q16p + (g << 5), h0);
            v128.store(q16p + (g << 5), h1, 16);
            v128.store(qp + (g << 4), q);
          }
          const sv = i32x4.add(i32x4.add(i0, i1), i32x4.add(i2, i3));
          const sum =
            i32x4.extract_lane(sv, 0) +
            i32x4.extract_lane(sv, 1) +
            i32x4.extract_lane(sv, 2) +
            i32x4.extract_lane(sv, 3);
          store<i16>(b16 + (g << 1), <i16>sum);
        }
        for (let k: usize = 0; k < 8; k++) {
          store<i16>(b32 + (k << 1), <i16>(load<i16>(b16 + (k << 2)) + load<i16>(b16 + (k << 2), 2)));
        }
        store<f32>(dp, <f32>1.0 / iscale);
      }
      xp += 1024;
      qp += 256;
      q16p += 512;
      dp += 4;
      b16 += 32;
      b32 += 16;
    }
  }
}
