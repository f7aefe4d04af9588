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

import { Q, QK, QK_M15, QK_M30 } from './quant_util';

// biome-ignore lint/complexity/noStaticOnlyClass: a class carries AssemblyScript's @inline decorators
class Q6K {
  /** Chunk of 16 values: low nibbles of l | bits 4..5 of hbits. */
  @inline static lo(l: v128, hbits: v128, m15: v128, m30: v128): v128 {
    return v128.or(v128.and(l, m15), v128.and(hbits, m30));
  }

  /** Chunk of 16 values: high nibbles of l | bits 4..5 of hbits. */
  @inline static hi(l: v128, hbits: v128, m15: v128, m30: v128): v128 {
    return v128.or(v128.and(i16x8.shr_u(l, 4), m15), v128.and(hbits, m30));
  }

  /** −32·Σ sc·bsum16 over the super-block (the integer accumulator's start). */
  @inline static corr(sv: v128, b16: usize): v128 {
    const c = i32x4.add(
      i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(sv), v128.load(b16)),
      i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(sv), v128.load(b16, 16)),
    );
    return i32x4.neg(i32x4.shl(c, 5));
  }

  /**
   * One weight row · one token: the 16-bit sums of two 16-value chunks are folded (Q.fold2) and
   * scaled by one dot_i16x8_s; activation loads use immediate offsets.
   */
  @inline static row1(wr: usize, nsb: i32, x8: usize, x16: usize, d: usize, b16: usize, sink: usize): f32 {
    const m15 = v128.load(QK, QK_M15);
    const m30 = v128.load(QK, QK_M30);
    let acc = f32x4.splat(0);
    let p8 = x8;
    let p16 = x16;
    let dp = d;
    let bp = b16;
    const end = wr + <usize>nsb * 210;
    for (let blk = wr; blk < end; blk += 210) {
      const sv = v128.load(blk, 192);
      let ia = Q6K.corr(sv, bp);
      if (ASC_FEATURE_RELAXED_SIMD) {
        const sc0 = i16x8.extend_low_i8x16_s(sv);
        const h0 = v128.load(blk, 128);
        const a0 = v128.load(blk, 0);
        const b0 = v128.load(blk, 16);
        const s0 = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 0), Q6K.lo(a0, i16x8.shl(h0, 4), m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 16), Q6K.hi(a0, i16x8.shl(h0, 2), m15, m30)),
        );
        v128.store(sink, s0, 0);
        ia = i32x4.add(ia, i32x4.dot_i16x8_s(s0, sc0));
        const s2 = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 32), Q6K.lo(b0, h0, m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 48), Q6K.hi(b0, i16x8.shr_u(h0, 2), m15, m30)),
        );
        v128.store(sink, s2, 16);
        ia = i32x4.add(ia, i32x4.dot_i16x8_s(s2, sc0));
        v128.store(sink, ia, 32);
        const h1 = v128.load(blk, 144);
        const a1 = v128.load(blk, 32);
        const b1 = v128.load(blk, 48);
        const s4 = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 64), Q6K.lo(a1, i16x8.shl(h1, 4), m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 80), Q6K.hi(a1, i16x8.shl(h1, 2), m15, m30)),
        );
        v128.store(sink, s4, 0);
        ia = i32x4.add(ia, i32x4.dot_i16x8_s(s4, sc0));
        const s6 = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 96), Q6K.lo(b1, h1, m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 112), Q6K.hi(b1, i16x8.shr_u(h1, 2), m15, m30)),
        );
        v128.store(sink, s6, 16);
        ia = i32x4.add(ia, i32x4.dot_i16x8_s(s6, sc0));
        v128.store(sink, ia, 32);
        const sc1 = i16x8.extend_high_i8x16_s(sv);
        const h2 = v128.load(blk, 160);
        const a2 = v128.load(blk, 64);
        const b2 = v128.load(blk, 80);
        const s8 = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 128), Q6K.lo(a2, i16x8.shl(h2, 4), m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 144), Q6K.hi(a2, i16x8.shl(h2, 2), m15, m30)),
        );
        v128.store(sink, s8, 0);
        ia = i32x4.add(ia, i32x4.dot_i16x8_s(s8, sc1));
        const s10 = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 160), Q6K.lo(b2, h2, m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 176), Q6K.hi(b2, i16x8.shr_u(h2, 2), m15, m30)),
        );
        v128.store(sink, s10, 16);
        ia = i32x4.add(ia, i32x4.dot_i16x8_s(s10, sc1));
        v128.store(sink, ia, 32);
        const h3 = v128.load(blk, 176);
        const a3 = v128.load(blk, 96);
        const b3 = v128.load(blk, 112);
        const s12 = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 192), Q6K.lo(a3, i16x8.shl(h3, 4), m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 208), Q6K.hi(a3, i16x8.shl(h3, 2), m15, m30)),
        );
        v128.store(sink, s12, 0);
        ia = i32x4.add(ia, i32x4.dot_i16x8_s(s12, sc1));
        const s14 = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 224), Q6K.lo(b3, h3, m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 240), Q6K.hi(b3, i16x8.shr_u(h3, 2), m15, m30)),
        );
        v128.store(sink, s14, 16);
        ia = i32x4.add(ia, i32x4.dot_i16x8_s(s14, sc1));
        v128.store(sink, ia, 32);
      } else {
        const zero = i32x4.splat(0);
        let l0 = v128.load(blk, 0);
        let l1 = v128.load(blk, 16);
        let l2 = v128.load(blk, 32);
        let l3 = v128.load(blk, 48);
        let h0 = v128.load(blk, 128);
        let h1 = v128.load(blk, 144);
        let sc = i16x8.extend_low_i8x16_s(sv);
        const t0 = Q.pair16(
          Q6K.lo(l0, i16x8.shl(h0, 4), m15, m30),
          ASC_FEATURE_RELAXED_SIMD ? v128.load(p8, 0) : v128.load(p16, 0),
          ASC_FEATURE_RELAXED_SIMD ? zero : v128.load(p16, 16),
        );
        v128.store(sink, t0, 0);
        const t1 = Q.pair16(
          Q6K.lo(l1, i16x8.shl(h1, 4), m15, m30),
          ASC_FEATURE_RELAXED_SIMD ? v128.load(p8, 16) : v128.load(p16, 32),
          ASC_FEATURE_RELAXED_SIMD ? zero : v128.load(p16, 48),
        );
        v128.store(sink, t1, 16);
        ia = i32x4.add(ia, i32x4.dot_i16x8_s(Q.fold2(t0, t1), Q.pairScales(sc, 0)));
        v128.store(sink, ia, 32);
        const t2 = Q.pair16(
          Q6K.lo(l2, i16x8.shl(h0, 2), m15, m30),
          ASC_FEATURE_RELAXED_SIMD ? v128.load(p8, 32) : v128.load(p16, 64),
          ASC_FEATURE_RELAXED_SIMD ? zero : v128.load(p16, 80),
        );
        v128.store(sink, t2, 0);
        const t3 = Q.pair16(
          Q6K.lo(l3, i16x8.shl(h1, 2), m15, m30),
          ASC_FEATURE_RELAXED_SIMD ? v128.load(p8, 48) : v128.load(p16, 96),
          ASC_FEATURE_RELAXED_SIMD ? zero : v128.load(p16, 112),
        );
        v128.store(sink, t3, 16);
        ia = i32x4.add(ia, i32x4.dot_i16x8_s(Q.fold2(t2, t3), Q.pairScales(sc, 1)));
        v128.store(sink, ia, 32);
        const t4 = Q.pair16(
          Q6K.hi(l0, h0, m15, m30),
          ASC_FEATURE_RELAXED_SIMD ? v128.load(p8, 64) : v128.load(p16, 128),
          ASC_FEATURE_RELAXED_SIMD ? zero : v128.load(p16, 144),
        );
        v128.store(sink, t4, 0);
        const t5 = Q.pair16(
          Q6K.hi(l1, h1, m15, m30),
          ASC_FEATURE_RELAXED_SIMD ? v128.load(p8, 80) : v128.load(p16, 160),
          ASC_FEATURE_RELAXED_SIMD ? zero : v128.load(p16, 176),
        );
        v128.store(sink, t5, 16);
        ia = i32x4.add(ia, i32x4.dot_i16x8_s(Q.fold2(t4, t5), Q.pairScales(sc, 2)));
        v128.store(sink, ia, 32);
        const t6 = Q.pair16(
          Q6K.hi(l2, i16x8.shr_u(h0, 2), m15, m30),
          ASC_FEATURE_RELAXED_SIMD ? v128.load(p8, 96) : v128.load(p16, 192),
          ASC_FEATURE_RELAXED_SIMD ? zero : v128.load(p16, 208),
        );
        v128.store(sink, t6, 0);
        const t7 = Q.pair16(
          Q6K.hi(l3, i16x8.shr_u(h1, 2), m15, m30),
          ASC_FEATURE_RELAXED_SIMD ? v128.load(p8, 112) : v128.load(p16, 224),
          ASC_FEATURE_RELAXED_SIMD ? zero : v128.load(p16, 240),
        );
        v128.store(sink, t7, 16);
        ia = i32x4.add(ia, i32x4.dot_i16x8_s(Q.fold2(t6, t7), Q.pairScales(sc, 3)));
        v128.store(sink, ia, 32);
        l0 = v128.load(blk, 64);
        l1 = v128.load(blk, 80);
        l2 = v128.load(blk, 96);
        l3 = v128.load(blk, 112);
        h0 = v128.load(blk, 160);
        h1 = v128.load(blk, 176);
        sc = i16x8.extend_high_i8x16_s(sv);
        const t8 = Q.pair16(
          Q6K.lo(l0, i16x8.shl(h0, 4), m15, m30),
          ASC_FEATURE_RELAXED_SIMD ? v128.load(p8, 128) : v128.load(p16, 256),
          ASC_FEATURE_RELAXED_SIMD ? zero : v128.load(p16, 272),
        );
        v128.store(sink, t8, 0);
        const t9 = Q.pair16(
          Q6K.lo(l1, i16x8.shl(h1, 4), m15, m30),
          ASC_FEATURE_RELAXED_SIMD ? v128.load(p8, 144) : v128.load(p16, 288),
          ASC_FEATURE_RELAXED_SIMD ? zero : v128.load(p16, 304),
        );
        v128.store(sink, t9, 16);
        ia = i32x4.add(ia, i32x4.dot_i16x8_s(Q.fold2(t8, t9), Q.pairScales(sc, 0)));
        v128.store(sink, ia, 32);
        const t10 = Q.pair16(
          Q6K.lo(l2, i16x8.shl(h0, 2), m15, m30),
          ASC_FEATURE_RELAXED_SIMD ? v128.load(p8, 160) : v128.load(p16, 320),
          ASC_FEATURE_RELAXED_SIMD ? zero : v128.load(p16, 336),
        );
        v128.store(sink, t10, 0);
        const t11 = Q.pair16(
          Q6K.lo(l3, i16x8.shl(h1, 2), m15, m30),
          ASC_FEATURE_RELAXED_SIMD ? v128.load(p8, 176) : v128.load(p16, 352),
          ASC_FEATURE_RELAXED_SIMD ? zero : v128.load(p16, 368),
        );
        v128.store(sink, t11, 16);
        ia = i32x4.add(ia, i32x4.dot_i16x8_s(Q.fold2(t10, t11), Q.pairScales(sc, 1)));
        v128.store(sink, ia, 32);
        const t12 = Q.pair16(
          Q6K.hi(l0, h0, m15, m30),
          ASC_FEATURE_RELAXED_SIMD ? v128.load(p8, 192) : v128.load(p16, 384),
          ASC_FEATURE_RELAXED_SIMD ? zero : v128.load(p16, 400),
        );
        v128.store(sink, t12, 0);
        const t13 = Q.pair16(
          Q6K.hi(l1, h1, m15, m30),
          ASC_FEATURE_RELAXED_SIMD ? v128.load(p8, 208) : v128.load(p16, 416),
          ASC_FEATURE_RELAXED_SIMD ? zero : v128.load(p16, 432),
        );
        v128.store(sink, t13, 16);
        ia = i32x4.add(ia, i32x4.dot_i16x8_s(Q.fold2(t12, t13), Q.pairScales(sc, 2)));
        v128.store(sink, ia, 32);
        const t14 = Q.pair16(
          Q6K.hi(l2, i16x8.shr_u(h0, 2), m15, m30),
          ASC_FEATURE_RELAXED_SIMD ? v128.load(p8, 224) : v128.load(p16, 448),
          ASC_FEATURE_RELAXED_SIMD ? zero : v128.load(p16, 464),
        );
        v128.store(sink, t14, 0);
        const t15 = Q.pair16(
          Q6K.hi(l3, i16x8.shr_u(h1, 2), m15, m30),
          ASC_FEATURE_RELAXED_SIMD ? v128.load(p8, 240) : v128.load(p16, 480),
          ASC_FEATURE_RELAXED_SIMD ? zero : v128.load(p16, 496),
        );
        v128.store(sink, t15, 16);
        ia = i32x4.add(ia, i32x4.dot_i16x8_s(Q.fold2(t14, t15), Q.pairScales(sc, 3)));
        v128.store(sink, ia, 32);
      }
      acc = Q.madd(
        f32x4.convert_i32x4_s(ia),
        f32x4.splat(Q.f16fin1(load<u16>(blk, 208)) * load<f32>(dp)),
        acc,
      );
      p8 += 256;
      p16 += 512;
      dp += 4;
      bp += 32;
    }
    return Q.hsum(acc);
  }

  /**
   * Relaxed build, q6k-t: two weight rows (wa, and wa + gap) · one token, sharing the activation
   * loads; out at o and o + ogap. Per row the same arithmetic as row1 (bit-identical).
   */
  @inline static row2(
    wa: usize,
    gap: usize,
    nsb: i32,
    x8: usize,
    d: usize,
    b16: usize,
    sink: usize,
    o: usize,
    ogap: usize,
    accumulate: i32,
  ): void {
    const m15 = v128.load(QK, QK_M15);
    const m30 = v128.load(QK, QK_M30);
    let accA = f32x4.splat(0);
    let accB = accA;
    let p8 = x8;
    let dp = d;
    let bp = b16;
    const end = wa + <usize>nsb * 210;
    for (let ba = wa; ba < end; ba += 210) {
      const bb = ba + gap;
      const svA = v128.load(ba, 192);
      const svB = v128.load(bb, 192);
      let iA = Q6K.corr(svA, bp);
      let iB = Q6K.corr(svB, bp);
      {
        const x0 = v128.load(p8, 0);
        const x1 = v128.load(p8, 16);
        const hA = v128.load(ba, 128);
        const lA = v128.load(ba, 0);
        const sA = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(x0, Q6K.lo(lA, i16x8.shl(hA, 4), m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(x1, Q6K.hi(lA, i16x8.shl(hA, 2), m15, m30)),
        );
        v128.store(sink, sA, 0);
        iA = i32x4.add(iA, i32x4.dot_i16x8_s(sA, i16x8.extend_low_i8x16_s(svA)));
        const hB = v128.load(bb, 128);
        const lB = v128.load(bb, 0);
        const sB = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(x0, Q6K.lo(lB, i16x8.shl(hB, 4), m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(x1, Q6K.hi(lB, i16x8.shl(hB, 2), m15, m30)),
        );
        v128.store(sink, sB, 16);
        iB = i32x4.add(iB, i32x4.dot_i16x8_s(sB, i16x8.extend_low_i8x16_s(svB)));
      }
      {
        const x0 = v128.load(p8, 32);
        const x1 = v128.load(p8, 48);
        const hA = v128.load(ba, 128);
        const lA = v128.load(ba, 16);
        const sA = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(x0, Q6K.lo(lA, hA, m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(x1, Q6K.hi(lA, i16x8.shr_u(hA, 2), m15, m30)),
        );
        v128.store(sink, sA, 0);
        iA = i32x4.add(iA, i32x4.dot_i16x8_s(sA, i16x8.extend_low_i8x16_s(svA)));
        const hB = v128.load(bb, 128);
        const lB = v128.load(bb, 16);
        const sB = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(x0, Q6K.lo(lB, hB, m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(x1, Q6K.hi(lB, i16x8.shr_u(hB, 2), m15, m30)),
        );
        v128.store(sink, sB, 16);
        iB = i32x4.add(iB, i32x4.dot_i16x8_s(sB, i16x8.extend_low_i8x16_s(svB)));
      }
      {
        const x0 = v128.load(p8, 64);
        const x1 = v128.load(p8, 80);
        const hA = v128.load(ba, 144);
        const lA = v128.load(ba, 32);
        const sA = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(x0, Q6K.lo(lA, i16x8.shl(hA, 4), m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(x1, Q6K.hi(lA, i16x8.shl(hA, 2), m15, m30)),
        );
        v128.store(sink, sA, 0);
        iA = i32x4.add(iA, i32x4.dot_i16x8_s(sA, i16x8.extend_low_i8x16_s(svA)));
        const hB = v128.load(bb, 144);
        const lB = v128.load(bb, 32);
        const sB = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(x0, Q6K.lo(lB, i16x8.shl(hB, 4), m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(x1, Q6K.hi(lB, i16x8.shl(hB, 2), m15, m30)),
        );
        v128.store(sink, sB, 16);
        iB = i32x4.add(iB, i32x4.dot_i16x8_s(sB, i16x8.extend_low_i8x16_s(svB)));
      }
      {
        const x0 = v128.load(p8, 96);
        const x1 = v128.load(p8, 112);
        const hA = v128.load(ba, 144);
        const lA = v128.load(ba, 48);
        const sA = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(x0, Q6K.lo(lA, hA, m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(x1, Q6K.hi(lA, i16x8.shr_u(hA, 2), m15, m30)),
        );
        v128.store(sink, sA, 0);
        iA = i32x4.add(iA, i32x4.dot_i16x8_s(sA, i16x8.extend_low_i8x16_s(svA)));
        const hB = v128.load(bb, 144);
        const lB = v128.load(bb, 48);
        const sB = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(x0, Q6K.lo(lB, hB, m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(x1, Q6K.hi(lB, i16x8.shr_u(hB, 2), m15, m30)),
        );
        v128.store(sink, sB, 16);
        iB = i32x4.add(iB, i32x4.dot_i16x8_s(sB, i16x8.extend_low_i8x16_s(svB)));
      }
      {
        const x0 = v128.load(p8, 128);
        const x1 = v128.load(p8, 144);
        const hA = v128.load(ba, 160);
        const lA = v128.load(ba, 64);
        const sA = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(x0, Q6K.lo(lA, i16x8.shl(hA, 4), m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(x1, Q6K.hi(lA, i16x8.shl(hA, 2), m15, m30)),
        );
        v128.store(sink, sA, 0);
        iA = i32x4.add(iA, i32x4.dot_i16x8_s(sA, i16x8.extend_high_i8x16_s(svA)));
        const hB = v128.load(bb, 160);
        const lB = v128.load(bb, 64);
        const sB = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(x0, Q6K.lo(lB, i16x8.shl(hB, 4), m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(x1, Q6K.hi(lB, i16x8.shl(hB, 2), m15, m30)),
        );
        v128.store(sink, sB, 16);
        iB = i32x4.add(iB, i32x4.dot_i16x8_s(sB, i16x8.extend_high_i8x16_s(svB)));
      }
      {
        const x0 = v128.load(p8, 160);
        const x1 = v128.load(p8, 176);
        const hA = v128.load(ba, 160);
        const lA = v128.load(ba, 80);
        const sA = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(x0, Q6K.lo(lA, hA, m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(x1, Q6K.hi(lA, i16x8.shr_u(hA, 2), m15, m30)),
        );
        v128.store(sink, sA, 0);
        iA = i32x4.add(iA, i32x4.dot_i16x8_s(sA, i16x8.extend_high_i8x16_s(svA)));
        const hB = v128.load(bb, 160);
        const lB = v128.load(bb, 80);
        const sB = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(x0, Q6K.lo(lB, hB, m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(x1, Q6K.hi(lB, i16x8.shr_u(hB, 2), m15, m30)),
        );
        v128.store(sink, sB, 16);
        iB = i32x4.add(iB, i32x4.dot_i16x8_s(sB, i16x8.extend_high_i8x16_s(svB)));
      }
      {
        const x0 = v128.load(p8, 192);
        const x1 = v128.load(p8, 208);
        const hA = v128.load(ba, 176);
        const lA = v128.load(ba, 96);
        const sA = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(x0, Q6K.lo(lA, i16x8.shl(hA, 4), m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(x1, Q6K.hi(lA, i16x8.shl(hA, 2), m15, m30)),
        );
        v128.store(sink, sA, 0);
        iA = i32x4.add(iA, i32x4.dot_i16x8_s(sA, i16x8.extend_high_i8x16_s(svA)));
        const hB = v128.load(bb, 176);
        const lB = v128.load(bb, 96);
        const sB = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(x0, Q6K.lo(lB, i16x8.shl(hB, 4), m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(x1, Q6K.hi(lB, i16x8.shl(hB, 2), m15, m30)),
        );
        v128.store(sink, sB, 16);
        iB = i32x4.add(iB, i32x4.dot_i16x8_s(sB, i16x8.extend_high_i8x16_s(svB)));
      }
      {
        const x0 = v128.load(p8, 224);
        const x1 = v128.load(p8, 240);
        const hA = v128.load(ba, 176);
        const lA = v128.load(ba, 112);
        const sA = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(x0, Q6K.lo(lA, hA, m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(x1, Q6K.hi(lA, i16x8.shr_u(hA, 2), m15, m30)),
        );
        v128.store(sink, sA, 0);
        iA = i32x4.add(iA, i32x4.dot_i16x8_s(sA, i16x8.extend_high_i8x16_s(svA)));
        const hB = v128.load(bb, 176);
        const lB = v128.load(bb, 112);
        const sB = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(x0, Q6K.lo(lB, hB, m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(x1, Q6K.hi(lB, i16x8.shr_u(hB, 2), m15, m30)),
        );
        v128.store(sink, sB, 16);
        iB = i32x4.add(iB, i32x4.dot_i16x8_s(sB, i16x8.extend_high_i8x16_s(svB)));
      }
      const dx = load<f32>(dp);
      accA = Q.madd(f32x4.convert_i32x4_s(iA), f32x4.splat(Q.f16fin1(load<u16>(ba, 208)) * dx), accA);
      accB = Q.madd(f32x4.convert_i32x4_s(iB), f32x4.splat(Q.f16fin1(load<u16>(bb, 208)) * dx), accB);
      p8 += 256;
      dp += 4;
      bp += 32;
    }
    Q.put(o, Q.hsum(accA), accumulate);
    Q.put(o + ogap, Q.hsum(accB), accumulate);
  }

  /** One weight row · 4 tokens; token planes x8s / x16s / ds / bs bytes apart. */
  @inline static row4(
    wr: usize,
    nsb: i32,
    x8: usize,
    x8s: usize,
    x16: usize,
    x16s: usize,
    d: usize,
    ds: usize,
    bp: usize,
    bs: usize,
    o: usize,
    os: usize,
    accum: i32,
    nt: i32,
    sink: usize,
  ): void {
    const m15 = v128.load(QK, QK_M15);
    const m30 = v128.load(QK, QK_M30);
    let a0 = f32x4.splat(0);
    let a1 = a0;
    let a2 = a0;
    let a3 = a0;
    for (let sb: usize = 0; sb < <usize>nsb; sb++) {
      const blk = wr + sb * 210;
      const sv = v128.load(blk, 192);
      const b = bp + (sb << 5);
      let i0 = Q6K.corr(sv, b);
      let i1 = Q6K.corr(sv, b + bs);
      let i2 = Q6K.corr(sv, b + 2 * bs);
      let i3 = Q6K.corr(sv, b + 3 * bs);
      const p8 = x8 + (sb << 8);
      const p16 = x16 + (sb << 9);
      if (ASC_FEATURE_RELAXED_SIMD) {
        const sc0 = i16x8.extend_low_i8x16_s(sv);
        const h0 = v128.load(blk, 128);
        const a0 = v128.load(blk, 0);
        const b0 = v128.load(blk, 16);
        const w0 = Q6K.lo(a0, i16x8.shl(h0, 4), m15, m30);
        const w1 = Q6K.hi(a0, i16x8.shl(h0, 2), m15, m30);
        i0 = i32x4.add(
          i0,
          i32x4.dot_i16x8_s(
            i16x8.add(
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 0), w0),
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 16), w1),
            ),
            sc0,
          ),
        );
        v128.store(sink, i0, 0);
        i1 = i32x4.add(
          i1,
          i32x4.dot_i16x8_s(
            i16x8.add(
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + x8s, 0), w0),
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + x8s, 16), w1),
            ),
            sc0,
          ),
        );
        v128.store(sink, i1, 16);
        i2 = i32x4.add(
          i2,
          i32x4.dot_i16x8_s(
            i16x8.add(
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 2 * x8s, 0), w0),
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 2 * x8s, 16), w1),
            ),
            sc0,
          ),
        );
        v128.store(sink, i2, 32);
        i3 = i32x4.add(
          i3,
          i32x4.dot_i16x8_s(
            i16x8.add(
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 3 * x8s, 0), w0),
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 3 * x8s, 16), w1),
            ),
            sc0,
          ),
        );
        v128.store(sink, i3, 48);
        const w2 = Q6K.lo(b0, h0, m15, m30);
        const w3 = Q6K.hi(b0, i16x8.shr_u(h0, 2), m15, m30);
        i0 = i32x4.add(
          i0,
          i32x4.dot_i16x8_s(
            i16x8.add(
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 32), w2),
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 48), w3),
            ),
            sc0,
          ),
        );
        v128.store(sink, i0, 0);
        i1 = i32x4.add(
          i1,
          i32x4.dot_i16x8_s(
            i16x8.add(
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + x8s, 32), w2),
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + x8s, 48), w3),
            ),
            sc0,
          ),
        );
        v128.store(sink, i1, 16);
        i2 = i32x4.add(
          i2,
          i32x4.dot_i16x8_s(
            i16x8.add(
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 2 * x8s, 32), w2),
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 2 * x8s, 48), w3),
            ),
            sc0,
          ),
        );
        v128.store(sink, i2, 32);
        i3 = i32x4.add(
          i3,
          i32x4.dot_i16x8_s(
            i16x8.add(
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 3 * x8s, 32), w2),
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 3 * x8s, 48), w3),
            ),
            sc0,
          ),
        );
        v128.store(sink, i3, 48);
        const h1 = v128.load(blk, 144);
        const a1 = v128.load(blk, 32);
        const b1 = v128.load(blk, 48);
        const w4 = Q6K.lo(a1, i16x8.shl(h1, 4), m15, m30);
        const w5 = Q6K.hi(a1, i16x8.shl(h1, 2), m15, m30);
        i0 = i32x4.add(
          i0,
          i32x4.dot_i16x8_s(
            i16x8.add(
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 64), w4),
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 80), w5),
            ),
            sc0,
          ),
        );
        v128.store(sink, i0, 0);
        i1 = i32x4.add(
          i1,
          i32x4.dot_i16x8_s(
            i16x8.add(
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + x8s, 64), w4),
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + x8s, 80), w5),
            ),
            sc0,
          ),
        );
        v128.store(sink, i1, 16);
        i2 = i32x4.add(
          i2,
          i32x4.dot_i16x8_s(
            i16x8.add(
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 2 * x8s, 64), w4),
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 2 * x8s, 80), w5),
            ),
            sc0,
          ),
        );
        v128.store(sink, i2, 32);
        i3 = i32x4.add(
          i3,
          i32x4.dot_i16x8_s(
            i16x8.add(
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 3 * x8s, 64), w4),
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 3 * x8s, 80), w5),
            ),
            sc0,
          ),
        );
        v128.store(sink, i3, 48);
        const w6 = Q6K.lo(b1, h1, m15, m30);
        const w7 = Q6K.hi(b1, i16x8.shr_u(h1, 2), m15, m30);
        i0 = i32x4.add(
          i0,
          i32x4.dot_i16x8_s(
            i16x8.add(
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 96), w6),
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 112), w7),
            ),
            sc0,
          ),
        );
        v128.store(sink, i0, 0);
        i1 = i32x4.add(
          i1,
          i32x4.dot_i16x8_s(
            i16x8.add(
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + x8s, 96), w6),
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + x8s, 112), w7),
            ),
            sc0,
          ),
        );
        v128.store(sink, i1, 16);
        i2 = i32x4.add(
          i2,
          i32x4.dot_i16x8_s(
            i16x8.add(
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 2 * x8s, 96), w6),
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 2 * x8s, 112), w7),
            ),
            sc0,
          ),
        );
        v128.store(sink, i2, 32);
        i3 = i32x4.add(
          i3,
          i32x4.dot_i16x8_s(
            i16x8.add(
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 3 * x8s, 96), w6),
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 3 * x8s, 112), w7),
            ),
            sc0,
          ),
        );
        v128.store(sink, i3, 48);
        const sc1 = i16x8.extend_high_i8x16_s(sv);
        const h2 = v128.load(blk, 160);
        const a2 = v128.load(blk, 64);
        const b2 = v128.load(blk, 80);
        const w8 = Q6K.lo(a2, i16x8.shl(h2, 4), m15, m30);
        const w9 = Q6K.hi(a2, i16x8.shl(h2, 2), m15, m30);
        i0 = i32x4.add(
          i0,
          i32x4.dot_i16x8_s(
            i16x8.add(
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 128), w8),
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 144), w9),
            ),
            sc1,
          ),
        );
        v128.store(sink, i0, 0);
        i1 = i32x4.add(
          i1,
          i32x4.dot_i16x8_s(
            i16x8.add(
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + x8s, 128), w8),
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + x8s, 144), w9),
            ),
            sc1,
          ),
        );
        v128.store(sink, i1, 16);
        i2 = i32x4.add(
          i2,
          i32x4.dot_i16x8_s(
            i16x8.add(
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 2 * x8s, 128), w8),
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 2 * x8s, 144), w9),
            ),
            sc1,
          ),
        );
        v128.store(sink, i2, 32);
        i3 = i32x4.add(
          i3,
          i32x4.dot_i16x8_s(
            i16x8.add(
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 3 * x8s, 128), w8),
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 3 * x8s, 144), w9),
            ),
            sc1,
          ),
        );
        v128.store(sink, i3, 48);
        const w10 = Q6K.lo(b2, h2, m15, m30);
        const w11 = Q6K.hi(b2, i16x8.shr_u(h2, 2), m15, m30);
        i0 = i32x4.add(
          i0,
          i32x4.dot_i16x8_s(
            i16x8.add(
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 160), w10),
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 176), w11),
            ),
            sc1,
          ),
        );
        v128.store(sink, i0, 0);
        i1 = i32x4.add(
          i1,
          i32x4.dot_i16x8_s(
            i16x8.add(
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + x8s, 160), w10),
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + x8s, 176), w11),
            ),
            sc1,
          ),
        );
        v128.store(sink, i1, 16);
        i2 = i32x4.add(
          i2,
          i32x4.dot_i16x8_s(
            i16x8.add(
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 2 * x8s, 160), w10),
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 2 * x8s, 176), w11),
            ),
            sc1,
          ),
        );
        v128.store(sink, i2, 32);
        i3 = i32x4.add(
          i3,
          i32x4.dot_i16x8_s(
            i16x8.add(
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 3 * x8s, 160), w10),
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 3 * x8s, 176), w11),
            ),
            sc1,
          ),
        );
        v128.store(sink, i3, 48);
        const h3 = v128.load(blk, 176);
        const a3 = v128.load(blk, 96);
        const b3 = v128.load(blk, 112);
        const w12 = Q6K.lo(a3, i16x8.shl(h3, 4), m15, m30);
        const w13 = Q6K.hi(a3, i16x8.shl(h3, 2), m15, m30);
        i0 = i32x4.add(
          i0,
          i32x4.dot_i16x8_s(
            i16x8.add(
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 192), w12),
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 208), w13),
            ),
            sc1,
          ),
        );
        v128.store(sink, i0, 0);
        i1 = i32x4.add(
          i1,
          i32x4.dot_i16x8_s(
            i16x8.add(
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + x8s, 192), w12),
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + x8s, 208), w13),
            ),
            sc1,
          ),
        );
        v128.store(sink, i1, 16);
        i2 = i32x4.add(
          i2,
          i32x4.dot_i16x8_s(
            i16x8.add(
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 2 * x8s, 192), w12),
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 2 * x8s, 208), w13),
            ),
            sc1,
          ),
        );
        v128.store(sink, i2, 32);
        i3 = i32x4.add(
          i3,
          i32x4.dot_i16x8_s(
            i16x8.add(
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 3 * x8s, 192), w12),
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 3 * x8s, 208), w13),
            ),
            sc1,
          ),
        );
        v128.store(sink, i3, 48);
        const w14 = Q6K.lo(b3, h3, m15, m30);
        const w15 = Q6K.hi(b3, i16x8.shr_u(h3, 2), m15, m30);
        i0 = i32x4.add(
          i0,
          i32x4.dot_i16x8_s(
            i16x8.add(
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 224), w14),
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 240), w15),
            ),
            sc1,
          ),
        );
        v128.store(sink, i0, 0);
        i1 = i32x4.add(
          i1,
          i32x4.dot_i16x8_s(
            i16x8.add(
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + x8s, 224), w14),
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + x8s, 240), w15),
            ),
            sc1,
          ),
        );
        v128.store(sink, i1, 16);
        i2 = i32x4.add(
          i2,
          i32x4.dot_i16x8_s(
            i16x8.add(
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 2 * x8s, 224), w14),
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 2 * x8s, 240), w15),
            ),
            sc1,
          ),
        );
        v128.store(sink, i2, 32);
        i3 = i32x4.add(
          i3,
          i32x4.dot_i16x8_s(
            i16x8.add(
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 3 * x8s, 224), w14),
              i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 3 * x8s, 240), w15),
            ),
            sc1,
          ),
        );
        v128.store(sink, i3, 48);
      } else {
        let l0 = v128.load(blk, 0);
        let l1 = v128.load(blk, 16);
        let l2 = v128.load(blk, 32);
        let l3 = v128.load(blk, 48);
        let h0 = v128.load(blk, 128);
        let h1 = v128.load(blk, 144);
        let sc = i16x8.extend_low_i8x16_s(sv);
        let wv = Q6K.lo(l0, i16x8.shl(h0, 4), m15, m30);
        let s = i8x16.shuffle(sc, sc, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1);
        i0 = Q.dot16(i0, wv, p8, p16, s);
        v128.store(sink, i0, 0);
        i1 = Q.dot16(i1, wv, p8 + x8s, p16 + x16s, s);
        v128.store(sink, i1, 16);
        i2 = Q.dot16(i2, wv, p8 + 2 * x8s, p16 + 2 * x16s, s);
        v128.store(sink, i2, 32);
        i3 = Q.dot16(i3, wv, p8 + 3 * x8s, p16 + 3 * x16s, s);
        v128.store(sink, i3, 48);
        wv = Q6K.lo(l1, i16x8.shl(h1, 4), m15, m30);
        s = i8x16.shuffle(sc, sc, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3);
        i0 = Q.dot16(i0, wv, p8 + 16, p16 + 32, s);
        v128.store(sink, i0, 0);
        i1 = Q.dot16(i1, wv, p8 + 16 + x8s, p16 + 32 + x16s, s);
        v128.store(sink, i1, 16);
        i2 = Q.dot16(i2, wv, p8 + 16 + 2 * x8s, p16 + 32 + 2 * x16s, s);
        v128.store(sink, i2, 32);
        i3 = Q.dot16(i3, wv, p8 + 16 + 3 * x8s, p16 + 32 + 3 * x16s, s);
        v128.store(sink, i3, 48);
        wv = Q6K.lo(l2, i16x8.shl(h0, 2), m15, m30);
        s = i8x16.shuffle(sc, sc, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5);
        i0 = Q.dot16(i0, wv, p8 + 32, p16 + 64, s);
        v128.store(sink, i0, 0);
        i1 = Q.dot16(i1, wv, p8 + 32 + x8s, p16 + 64 + x16s, s);
        v128.store(sink, i1, 16);
        i2 = Q.dot16(i2, wv, p8 + 32 + 2 * x8s, p16 + 64 + 2 * x16s, s);
        v128.store(sink, i2, 32);
        i3 = Q.dot16(i3, wv, p8 + 32 + 3 * x8s, p16 + 64 + 3 * x16s, s);
        v128.store(sink, i3, 48);
        wv = Q6K.lo(l3, i16x8.shl(h1, 2), m15, m30);
        s = i8x16.shuffle(sc, sc, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7);
        i0 = Q.dot16(i0, wv, p8 + 48, p16 + 96, s);
        v128.store(sink, i0, 0);
        i1 = Q.dot16(i1, wv, p8 + 48 + x8s, p16 + 96 + x16s, s);
        v128.store(sink, i1, 16);
        i2 = Q.dot16(i2, wv, p8 + 48 + 2 * x8s, p16 + 96 + 2 * x16s, s);
        v128.store(sink, i2, 32);
        i3 = Q.dot16(i3, wv, p8 + 48 + 3 * x8s, p16 + 96 + 3 * x16s, s);
        v128.store(sink, i3, 48);
        wv = Q6K.hi(l0, h0, m15, m30);
        s = i8x16.shuffle(sc, sc, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9);
        i0 = Q.dot16(i0, wv, p8 + 64, p16 + 128, s);
        v128.store(sink, i0, 0);
        i1 = Q.dot16(i1, wv, p8 + 64 + x8s, p16 + 128 + x16s, s);
        v128.store(sink, i1, 16);
        i2 = Q.dot16(i2, wv, p8 + 64 + 2 * x8s, p16 + 128 + 2 * x16s, s);
        v128.store(sink, i2, 32);
        i3 = Q.dot16(i3, wv, p8 + 64 + 3 * x8s, p16 + 128 + 3 * x16s, s);
        v128.store(sink, i3, 48);
        wv = Q6K.hi(l1, h1, m15, m30);
        s = i8x16.shuffle(sc, sc, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11);
        i0 = Q.dot16(i0, wv, p8 + 80, p16 + 160, s);
        v128.store(sink, i0, 0);
        i1 = Q.dot16(i1, wv, p8 + 80 + x8s, p16 + 160 + x16s, s);
        v128.store(sink, i1, 16);
        i2 = Q.dot16(i2, wv, p8 + 80 + 2 * x8s, p16 + 160 + 2 * x16s, s);
        v128.store(sink, i2, 32);
        i3 = Q.dot16(i3, wv, p8 + 80 + 3 * x8s, p16 + 160 + 3 * x16s, s);
        v128.store(sink, i3, 48);
        wv = Q6K.hi(l2, i16x8.shr_u(h0, 2), m15, m30);
        s = i8x16.shuffle(sc, sc, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13);
        i0 = Q.dot16(i0, wv, p8 + 96, p16 + 192, s);
        v128.store(sink, i0, 0);
        i1 = Q.dot16(i1, wv, p8 + 96 + x8s, p16 + 192 + x16s, s);
        v128.store(sink, i1, 16);
        i2 = Q.dot16(i2, wv, p8 + 96 + 2 * x8s, p16 + 192 + 2 * x16s, s);
        v128.store(sink, i2, 32);
        i3 = Q.dot16(i3, wv, p8 + 96 + 3 * x8s, p16 + 192 + 3 * x16s, s);
        v128.store(sink, i3, 48);
        wv = Q6K.hi(l3, i16x8.shr_u(h1, 2), m15, m30);
        s = i8x16.shuffle(sc, sc, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15);
        i0 = Q.dot16(i0, wv, p8 + 112, p16 + 224, s);
        v128.store(sink, i0, 0);
        i1 = Q.dot16(i1, wv, p8 + 112 + x8s, p16 + 224 + x16s, s);
        v128.store(sink, i1, 16);
        i2 = Q.dot16(i2, wv, p8 + 112 + 2 * x8s, p16 + 224 + 2 * x16s, s);
        v128.store(sink, i2, 32);
        i3 = Q.dot16(i3, wv, p8 + 112 + 3 * x8s, p16 + 224 + 3 * x16s, s);
        v128.store(sink, i3, 48);
        l0 = v128.load(blk, 64);
        l1 = v128.load(blk, 80);
        l2 = v128.load(blk, 96);
        l3 = v128.load(blk, 112);
        h0 = v128.load(blk, 160);
        h1 = v128.load(blk, 176);
        sc = i16x8.extend_high_i8x16_s(sv);
        wv = Q6K.lo(l0, i16x8.shl(h0, 4), m15, m30);
        s = i8x16.shuffle(sc, sc, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1);
        i0 = Q.dot16(i0, wv, p8 + 128, p16 + 256, s);
        v128.store(sink, i0, 0);
        i1 = Q.dot16(i1, wv, p8 + 128 + x8s, p16 + 256 + x16s, s);
        v128.store(sink, i1, 16);
        i2 = Q.dot16(i2, wv, p8 + 128 + 2 * x8s, p16 + 256 + 2 * x16s, s);
        v128.store(sink, i2, 32);
        i3 = Q.dot16(i3, wv, p8 + 128 + 3 * x8s, p16 + 256 + 3 * x16s, s);
        v128.store(sink, i3, 48);
        wv = Q6K.lo(l1, i16x8.shl(h1, 4), m15, m30);
        s = i8x16.shuffle(sc, sc, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3);
        i0 = Q.dot16(i0, wv, p8 + 144, p16 + 288, s);
        v128.store(sink, i0, 0);
        i1 = Q.dot16(i1, wv, p8 + 144 + x8s, p16 + 288 + x16s, s);
        v128.store(sink, i1, 16);
        i2 = Q.dot16(i2, wv, p8 + 144 + 2 * x8s, p16 + 288 + 2 * x16s, s);
        v128.store(sink, i2, 32);
        i3 = Q.dot16(i3, wv, p8 + 144 + 3 * x8s, p16 + 288 + 3 * x16s, s);
        v128.store(sink, i3, 48);
        wv = Q6K.lo(l2, i16x8.shl(h0, 2), m15, m30);
        s = i8x16.shuffle(sc, sc, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5);
        i0 = Q.dot16(i0, wv, p8 + 160, p16 + 320, s);
        v128.store(sink, i0, 0);
        i1 = Q.dot16(i1, wv, p8 + 160 + x8s, p16 + 320 + x16s, s);
        v128.store(sink, i1, 16);
        i2 = Q.dot16(i2, wv, p8 + 160 + 2 * x8s, p16 + 320 + 2 * x16s, s);
        v128.store(sink, i2, 32);
        i3 = Q.dot16(i3, wv, p8 + 160 + 3 * x8s, p16 + 320 + 3 * x16s, s);
        v128.store(sink, i3, 48);
        wv = Q6K.lo(l3, i16x8.shl(h1, 2), m15, m30);
        s = i8x16.shuffle(sc, sc, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7);
        i0 = Q.dot16(i0, wv, p8 + 176, p16 + 352, s);
        v128.store(sink, i0, 0);
        i1 = Q.dot16(i1, wv, p8 + 176 + x8s, p16 + 352 + x16s, s);
        v128.store(sink, i1, 16);
        i2 = Q.dot16(i2, wv, p8 + 176 + 2 * x8s, p16 + 352 + 2 * x16s, s);
        v128.store(sink, i2, 32);
        i3 = Q.dot16(i3, wv, p8 + 176 + 3 * x8s, p16 + 352 + 3 * x16s, s);
        v128.store(sink, i3, 48);
        wv = Q6K.hi(l0, h0, m15, m30);
        s = i8x16.shuffle(sc, sc, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9);
        i0 = Q.dot16(i0, wv, p8 + 192, p16 + 384, s);
        v128.store(sink, i0, 0);
        i1 = Q.dot16(i1, wv, p8 + 192 + x8s, p16 + 384 + x16s, s);
        v128.store(sink, i1, 16);
        i2 = Q.dot16(i2, wv, p8 + 192 + 2 * x8s, p16 + 384 + 2 * x16s, s);
        v128.store(sink, i2, 32);
        i3 = Q.dot16(i3, wv, p8 + 192 + 3 * x8s, p16 + 384 + 3 * x16s, s);
        v128.store(sink, i3, 48);
        wv = Q6K.hi(l1, h1, m15, m30);
        s = i8x16.shuffle(sc, sc, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11);
        i0 = Q.dot16(i0, wv, p8 + 208, p16 + 416, s);
        v128.store(sink, i0, 0);
        i1 = Q.dot16(i1, wv, p8 + 208 + x8s, p16 + 416 + x16s, s);
        v128.store(sink, i1, 16);
        i2 = Q.dot16(i2, wv, p8 + 208 + 2 * x8s, p16 + 416 + 2 * x16s, s);
        v128.store(sink, i2, 32);
        i3 = Q.dot16(i3, wv, p8 + 208 + 3 * x8s, p16 + 416 + 3 * x16s, s);
        v128.store(sink, i3, 48);
        wv = Q6K.hi(l2, i16x8.shr_u(h0, 2), m15, m30);
        s = i8x16.shuffle(sc, sc, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13);
        i0 = Q.dot16(i0, wv, p8 + 224, p16 + 448, s);
        v128.store(sink, i0, 0);
        i1 = Q.dot16(i1, wv, p8 + 224 + x8s, p16 + 448 + x16s, s);
        v128.store(sink, i1, 16);
        i2 = Q.dot16(i2, wv, p8 + 224 + 2 * x8s, p16 + 448 + 2 * x16s, s);
        v128.store(sink, i2, 32);
        i3 = Q.dot16(i3, wv, p8 + 224 + 3 * x8s, p16 + 448 + 3 * x16s, s);
        v128.store(sink, i3, 48);
        wv = Q6K.hi(l3, i16x8.shr_u(h1, 2), m15, m30);
        s = i8x16.shuffle(sc, sc, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15);
        i0 = Q.dot16(i0, wv, p8 + 240, p16 + 480, s);
        v128.store(sink, i0, 0);
        i1 = Q.dot16(i1, wv, p8 + 240 + x8s, p16 + 480 + x16s, s);
        v128.store(sink, i1, 16);
        i2 = Q.dot16(i2, wv, p8 + 240 + 2 * x8s, p16 + 480 + 2 * x16s, s);
        v128.store(sink, i2, 32);
        i3 = Q.dot16(i3, wv, p8 + 240 + 3 * x8s, p16 + 480 + 3 * x16s, s);
        v128.store(sink, i3, 48);
      }
      const dw = Q.f16fin1(load<u16>(blk, 208));
      const dp = d + (sb << 2);
      a0 = Q.madd(f32x4.convert_i32x4_s(i0), f32x4.splat(dw * load<f32>(dp)), a0);
      a1 = Q.madd(f32x4.convert_i32x4_s(i1), f32x4.splat(dw * load<f32>(dp + ds)), a1);
      a2 = Q.madd(f32x4.convert_i32x4_s(i2), f32x4.splat(dw * load<f32>(dp + 2 * ds)), a2);
      a3 = Q.madd(f32x4.convert_i32x4_s(i3), f32x4.splat(dw * load<f32>(dp + 3 * ds)), a3);
    }
    Q.put4(o, os, nt, a0, a1, a2, a3, accum);
  }
}

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
        Q6K.row4(
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
