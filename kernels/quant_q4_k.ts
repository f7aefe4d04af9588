// Q4_K weights · Q8_K activations (ggml's vec_dot_q4_K_q8_K), parallel over weight rows.
//
// Weight layout, relaxed build: 'q4k-t' (src/backend/wasm/repack.ts), made at upload from
// GGUF's: a row of K values is K/256 super-blocks of 144 bytes, d (f16), dmin (f16) and
// scales[12] (8 six-bit scales + 8 six-bit mins, get_scale_min_k4 packing) as in GGUF, then
// qs[128] transposed: byte p of 16-byte vector v (v = 0..7) holds, in its low nibble, element
// 4v + (p & 1) of sub-block p >> 1 and, in its high nibble, element 4v + 2 + (p & 1). So every
// vector carries 4 elements of each of the 8 sub-blocks, and one relaxed dot (pmaddubsw) leaves
// each sub-block's products in its own 16-bit lane: 8 vectors fold into two i16x8 sums [S0..S7]
// (elements 0..15 and 16..31, |lane| ≤ 16·15·127 = 30480) that one i32x4.dot_i16x8_s with the 8
// scales finishes (kernels/quant_q4_k_rows.ts, quant_q4_k_tile.ts). The GGUF layout needs the
// lanes of 4 sub-blocks folded (shuffles and adds) instead: 137 → ~115 instructions per
// super-block, 12.4 → 14.1 GB/s per core from L2, 9.6 → 12.1 from DRAM with two rows per pass.
// Activations: the Q8_K planes of kernels/quant_act.ts written in the matching order
// (quant_act_q8_k with perm = 1): vector k of a super-block, byte p = x[32·(p >> 1) + 2k + (p & 1)].
// Per super-block the integer Σ sc·(q·x) is exact and its i32 lanes hold the sub-block pairs
// [sc0·S0 + sc1·S1, sc2·S2 + sc3·S3, ...] in every path (1 or 2 rows, 4 tokens), so a token's
// results have the same bits in every path; then Σ m·bsum32 and the scaling by d·d_x and
// dmin·d_x as ggml does (Q.finishK).
// Portable build: GGUF's layout and natural activation order (kernels/quant_q4_k_gguf.ts), rows one
// at a time: with widened i16 weights the transposed order measured ~5% slower.
// Decode (1-2 tokens, relaxed build): two rows per pass half the chunk apart (see quant_q8_0.ts). Prefill: tokens
// go 4 at a time while ≥ 3 remain (the activation planes are padded to 4 rows), each unpacked
// vector serving 4 tokens. Partial sums are also stored to a per-thread sink to order the work
// (see quant_q4_0.ts).

import { Q4KG } from './quant_q4_k_gguf';
import { Q4K } from './quant_q4_k_rows';
import { Q4KTile } from './quant_q4_k_tile';
import { Q } from './quant_util';

/**
 * out[t][r] (+)= W[r] · x[t] for weight rows r in [r0, r1) and tokens t < m. W in the 'q4k-t'
 * layout (relaxed build) or GGUF's (portable build); q8/q16/d: the Q8_K activation planes, in the
 * matching order for q4k-t (quant_act_q8_k, perm = 1);
 * b32: the 32-sums plane (_b16 unused); out: f32, row stride ldo. scratch: 64 bytes per thread
 * (thread tid's at 64·tid), written and never read.
 */
export function quant_linear_q4_k(
  w: usize,
  K: i32,
  q8: usize,
  q16: usize,
  d: usize,
  _b16: usize,
  b32: usize,
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
  const rb = <usize>nsb * 144;
  const x8s = <usize>K;
  const x16s = <usize>K * 2;
  const ds = <usize>nsb * 4;
  const bs = <usize>(K >> 5) * 2;
  const bp = b32;
  const os = <usize>ldo * 4;
  // 64 bytes per thread: stores there order the work (V8 would otherwise hoist every load of a
  // loop body ahead of the arithmetic and spill registers)
  const sink = scratch + ((<usize>tid) << 6);
  // Rows in L2-sized blocks (~192 KiB of weights), so every token tile re-reads them from L2
  // even when one call gets the whole row range (decode reads each row once: no blocking, so row
  // pairs can be a whole chunk half apart).
  if (!ASC_FEATURE_RELAXED_SIMD) {
    // portable build: GGUF's layout (kernels/quant_q4_k_gguf.ts), rows one at a time
    const rblk = max<i32>(1, <i32>(196608 / <i32>rb));
    for (let q0 = r0; q0 < r1; q0 += rblk) {
      const q1 = min(r1, q0 + rblk);
      let t = 0;
      for (; t + 3 <= m; t += 4) {
        const nt = min(4, m - t);
        const tt = <usize>t;
        for (let r = q0; r < q1; r++) {
          Q4KG.row4(
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
            out + tt * os + ((<usize>r) << 2),
            os,
            accumulate,
            nt,
            sink,
          );
        }
      }
      for (; t < m; t++) {
        const tt = <usize>t;
        for (let r = q0; r < q1; r++) {
          const v = Q4KG.row1(w + <usize>r * rb, nsb, q16 + tt * x16s, d + tt * ds, bp + tt * bs, sink);
          Q.put(out + tt * os + ((<usize>r) << 2), v, accumulate);
        }
      }
    }
    return;
  }
  const rblk = m < 3 ? r1 - r0 : max<i32>(1, <i32>(196608 / <i32>rb));
  for (let q0 = r0; q0 < r1; q0 += rblk) {
    const q1 = min(r1, q0 + rblk);
    let t = 0;
    for (; t + 3 <= m; t += 4) {
      const nt = min(4, m - t); // 3..4 real tokens (planes padded to 4, see quant-linear.ts)
      const tt = <usize>t;
      for (let r = q0; r < q1; r++) {
        const o = out + tt * os + ((<usize>r) << 2);
        Q4KTile.row4(
          w + <usize>r * rb,
          nsb,
          q8 + tt * x8s,
          x8s,
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
      // Pairs of rows half the range apart (two adjacent rows in one pass defeat the hardware
      // prefetcher, see quant_q8_0.ts)
      const h = (q1 - q0) >> 1;
      for (let i = 0; i < h; i++) {
        const r = q0 + i;
        Q4K.row2(
          w + <usize>r * rb,
          <usize>h * rb,
          nsb,
          q8 + tt * x8s,
          d + tt * ds,
          bp + tt * bs,
          sink,
          out + tt * os + ((<usize>r) << 2),
          (<usize>h) << 2,
          accumulate,
        );
      }
      for (let r = q0 + 2 * h; r < q1; r++) {
        const v = Q4K.row1(w + <usize>r * rb, nsb, q8 + tt * x8s, d + tt * ds, bp + tt * bs, sink);
        Q.put(out + tt * os + ((<usize>r) << 2), v, accumulate);
      }
    }
  }
}
