// Q6_K weights · Q8_K activations (ggml's vec_dot_q6_K_q8_K), parallel over weight rows.
//
// Weight layout: 'q6k-t' in the relaxed build, GGUF's in the portable one
// (src/backend/wasm/repack.ts). A row of K values is K/256 super-blocks of 210 bytes: ql[128],
// qh[64], scales[16] (int8, one per 16 values), d (f16). GGUF: in half h (128 values), for
// l < 32: q[l] = ql[l]&15 | (qh[l]&3)<<4, q[l+32] = ql[l+32]&15 | (qh[l]>>2&3)<<4,
// q[l+64] = ql[l]>>4 | (qh[l]>>4&3)<<4, q[l+96] = ql[l+32]>>4 | (qh[l]>>6&3)<<4; value = d·sc·(q−32).
// q6k-t keeps scales and d and re-stores the values so that vector V = 8H + k holds at byte
// 2j + e the value 16j + 2k + e of half H, unpacked with the same masks and shifts (vectors 4u ..
// 4u + 3 from ql bytes 32u .. 32u + 31 and qh bytes 128 + 16u ..): one relaxed dot then leaves
// each 16-value sub-block's products in its own 16-bit lane, two dots add as i16 (|lane| ≤
// 4·63·127 = 32004) and one dot_i16x8_s with the 8 scales of the half finishes, instead of
// folding lanes and shuffling scales per pair of sub-blocks. The activation planes come in the
// matching order (quant_act_q8_k, perm = 2). Per core, relaxed: 10.7 → 12.4 GB/s from L2; with
// two rows per pass half the decode chunk apart (row2, see quant_q8_0.ts) 14.7 from L2 and 8.5
// → 11.4 from DRAM.
// q (0..63) is a valid i7 operand for the relaxed dot; the −32 offset is −32·Σ sc·bsum16, added to
// the exact integer super-block sum, which is then scaled by d·d_x as ggml does.
// Activations: the planar Q8_K layout of kernels/quant_act.ts. Tokens go 4 at a time while ≥ 3
// remain (the activation planes are padded to 4 rows); the last 1-2 tokens run one at a time.
// Partial sums are also stored to a per-thread sink to order the work (see quant_q4_0.ts). The
// loops are written out unrolled so every lane shuffle has a constant pattern.
// Portable decode (row1, GGUF layout): the 16-bit sums of 2 chunks of 16 (|lane| ≤ 16002) are
// folded (Q.fold2) and scaled by one dot_i16x8_s. In both builds d is widened by Q.f16fin1
// (finite scales, checked at upload; Q6_K files have subnormal d everywhere, so the vector
// widening of Q.dminK would be slow here).

import { Q6K } from './quant_q6_k_rows';
import { Q6KTile } from './quant_q6_k_tile';
import { Q } from './quant_util';

/**
 * out[t][r] (+)= W[r] · x[t] for weight rows r in [r0, r1) and tokens t < m. q8/q16/d: the Q8_K
 * activation planes; b16/b32: the 16- and 32-sums planes (_b32 unused); out: f32, row stride ldo.
 * scratch: 64 bytes per thread (thread tid's at 64·tid), written and never read.
 */
export function quant_linear_q6_k(
  w: usize,
  K: i32,
  q8: usize,
  q16: usize,
  d: usize,
  b16: usize,
  _b32: usize,
  m: i32,
  out: usize,
  ldo: i32,
  accumulate: i32,
  scratch: usize,
  tid: i32,
  r0: i32,
  r1: i32,
): void {
  const nsb = K >> 8;
  const rb = <usize>nsb * 210;
  const x8s = <usize>K;
  const x16s = <usize>K * 2;
  const ds = <usize>nsb * 4;
  const bs = <usize>(K >> 4) * 2;
  const bp = b16;
  const os = <usize>ldo * 4;
  // 64 bytes per thread: stores there order the work (V8 would otherwise hoist every load of a
  // loop body ahead of the arithmetic and spill registers)
  const sink = scratch + ((<usize>tid) << 6);
  // Rows in L2-sized blocks (~192 KiB of weights), so every token tile re-reads them from L2
  // even when one call gets the whole row range.
  const rblk = m < 3 ? r1 - r0 : max<i32>(1, <i32>(196608 / <i32>rb));
  for (let q0 = r0; q0 < r1; q0 += rblk) {
    const q1 = min(r1, q0 + rblk);
    let t = 0;
    for (; t + 3 <= m; t += 4) {
      const nt = min(4, m - t); // 3..4 real tokens (planes padded to 4, see quant-linear.ts)
      const tt = <usize>t;
      for (let r = q0; r < q1; r++) {
        const o = out + tt * os + ((<usize>r) << 2);
        Q6KTile.row4(
          w + <usize>r * rb,
          nsb,
          q8 + tt * x8s,
          x8s,
          q16 + tt * x16s,
          x16s,
          d + tt * ds,
          ds,
          bp + tt * bs,
          bs,
          o,
          os,
          accumulate,
          nt,
          sink,
        );
      }
    }
    for (; t < m; t++) {
      const tt = <usize>t;
      let r = q0;
      if (ASC_FEATURE_RELAXED_SIMD) {
        // Pairs of rows half the range apart (see quant_q8_0.ts)
        const h = (q1 - q0) >> 1;
        for (let i = 0; i < h; i++) {
          const ra = q0 + i;
          Q6K.row2(
            w + <usize>ra * rb,
            <usize>h * rb,
            nsb,
            q8 + tt * x8s,
            d + tt * ds,
            bp + tt * bs,
            sink,
            out + tt * os + ((<usize>ra) << 2),
            (<usize>h) << 2,
            accumulate,
          );
        }
        r = q0 + 2 * h;
      }
      for (; r < q1; r++) {
        const v = Q6K.row1(
          w + <usize>r * rb,
          nsb,
          q8 + tt * x8s,
          q16 + tt * x16s,
          d + tt * ds,
          bp + tt * bs,
          sink,
        );
        Q.put(out + tt * os + ((<usize>r) << 2), v, accumulate);
      }
    }
  }
}
