// Q4_K weights · Q8_K activations (ggml's vec_dot_q4_K_q8_K), parallel over weight rows.
//
// Weight layout 'q4k-t' (src/backend/wasm/repack.ts), made at upload from GGUF's: a row of K
// values is K/256 super-blocks of 144 bytes, d (f16), dmin (f16) and scales[12] (8 six-bit scales
// + 8 six-bit mins, get_scale_min_k4 packing) as in GGUF, then qs[128] transposed: byte p of
// 16-byte vector v (v = 0..7) holds, in its low nibble, element 4v + (p & 1) of sub-block p >> 1
// and, in its high nibble, element 4v + 2 + (p & 1). So every vector carries 4 elements of each
// of the 8 sub-blocks, and one relaxed dot (pmaddubsw) leaves each sub-block's products in its own
// 16-bit lane: 8 vectors fold into two i16x8 sums [S0..S7] (elements 0..15 and 16..31, |lane| ≤
// 16·15·127 = 30480) that one i32x4.dot_i16x8_s with the 8 scales finishes. The GGUF layout needs
// the lanes of 4 sub-blocks folded (shuffles and adds) instead: 137 → ~115 instructions per
// super-block, 12.4 → 14.1 GB/s per core from L2, 9.6 → 12.1 from DRAM with two rows per pass.
// Activations: the Q8_K planes of kernels/quant_act.ts written in the matching order (quant_act_q8_k
// with perm = 1): vector k of a super-block, byte p = x[32·(p >> 1) + 2k + (p & 1)] (q8 plane;
// the q16 plane holds the same order as i16).
// Per super-block the integer Σ sc·(q·x) is exact and its i32 lanes hold the sub-block pairs
// [sc0·S0 + sc1·S1, sc2·S2 + sc3·S3, ...] in every path (1 or 2 rows, 4 tokens) and both builds,
// so a token's results have the same bits in every path (the relaxed build fuses the f32
// multiply-adds); then Σ m·bsum32 and the scaling by d·d_x and dmin·d_x as ggml does (Q.finishK).
// Portable build: weights widened to i16 and i32x4.dot_i16x8_s with the i16 activations, one i32
// lane per sub-block, scales applied by i32x4.mul.
// Decode (1-2 tokens): two rows per pass half the chunk apart (see quant_q8_0.ts). Prefill: tokens
// go 4 at a time while ≥ 3 remain (the activation planes are padded to 4 rows), each unpacked
// vector serving 4 tokens. Partial sums are also stored to a per-thread sink to order the work
// (see quant_q4_0.ts).

import { Q, QK, QK_F16MSK, QK_F16MUL, QK_K4HI, QK_K4LO, QK_M15 } from './quant_util';

// biome-ignore lint/complexity/noStaticOnlyClass: a class carries AssemblyScript's @inline decorators
class Q4K {
  /**
   * The i32 lanes [sc0·S0 + sc1·S1, ..] of a super-block from its 16-bit sums (relaxed: x over
   * elements 0..15, y over 16..31, lane j = sub-block j) and its scales sc (i16x8).
   */
  @inline static scaleR(x: v128, y: v128, sc: v128): v128 {
    return i32x4.add(i32x4.dot_i16x8_s(x, sc), i32x4.dot_i16x8_s(y, sc));
  }

  /** The same lanes from the portable build's i32 sums (lo: sub-blocks 0..3, hi: 4..7). */
  @inline static scaleP(lo: v128, hi: v128, sc: v128): v128 {
    const a = i32x4.mul(lo, i32x4.extend_low_i16x8_u(sc));
    const b = i32x4.mul(hi, i32x4.extend_high_i16x8_u(sc));
    return i32x4.add(i32x4.shuffle(a, b, 0, 2, 4, 6), i32x4.shuffle(a, b, 1, 3, 5, 7));
  }

  /** Relaxed build: acc + the 16-bit dot of one weight vector q (both nibbles) with alo, ahi. */
  @inline static stepR(acc: v128, q: v128, m4: v128, alo: v128, ahi: v128): v128 {
    return i16x8.add(
      acc,
      i16x8.add(
        i16x8.relaxed_dot_i8x16_i7x16_s(alo, v128.and(q, m4)),
        i16x8.relaxed_dot_i8x16_i7x16_s(ahi, v128.and(i16x8.shr_u(q, 4), m4)),
      ),
    );
  }

  /** Portable build: the sub-blocks 0..3 (lo) or 4..7 (hi) half of stepR, as i32 lanes. */
  @inline static stepP(acc: v128, wl: v128, wh: v128, al: v128, ah: v128): v128 {
    return i32x4.add(acc, i32x4.add(i32x4.dot_i16x8_s(wl, al), i32x4.dot_i16x8_s(wh, ah)));
  }

  /** One weight row · one token (x8: the token's q8 plane, x16: its q16 plane). */
  @inline static row1(wr: usize, nsb: i32, x8: usize, x16: usize, d: usize, b32: usize, sink: usize): f32 {
    const m4 = v128.load(QK, QK_M15);
    const klo = v128.load(QK, QK_K4LO);
    const khi = v128.load(QK, QK_K4HI);
    let acc = f32x4.splat(0);
    let p8 = x8;
    let p16 = x16;
    let dp = d;
    let bp = b32;
    const end = wr + <usize>nsb * 144;
    for (let blk = wr; blk < end; blk += 144) {
      let s1: v128;
      let s2: v128;
      if (ASC_FEATURE_RELAXED_SIMD) {
        const q0 = v128.load(blk, 16);
        const q1 = v128.load(blk, 32);
        let x = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 0), v128.and(q0, m4)),
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 16), v128.and(i16x8.shr_u(q0, 4), m4)),
        );
        x = Q4K.stepR(x, q1, m4, v128.load(p8, 32), v128.load(p8, 48));
        v128.store(sink, x, 0);
        const q2 = v128.load(blk, 48);
        const q3 = v128.load(blk, 64);
        x = Q4K.stepR(x, q2, m4, v128.load(p8, 64), v128.load(p8, 80));
        x = Q4K.stepR(x, q3, m4, v128.load(p8, 96), v128.load(p8, 112));
        v128.store(sink, x, 16);
        const q4 = v128.load(blk, 80);
        const q5 = v128.load(blk, 96);
        let y = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 128), v128.and(q4, m4)),
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 144), v128.and(i16x8.shr_u(q4, 4), m4)),
        );
        y = Q4K.stepR(y, q5, m4, v128.load(p8, 160), v128.load(p8, 176));
        v128.store(sink, y, 32);
        const q6 = v128.load(blk, 112);
        const q7 = v128.load(blk, 128);
        y = Q4K.stepR(y, q6, m4, v128.load(p8, 192), v128.load(p8, 208));
        y = Q4K.stepR(y, q7, m4, v128.load(p8, 224), v128.load(p8, 240));
        v128.store(sink, y, 48);
        s1 = x;
        s2 = y;
      } else {
        let lo = i32x4.splat(0);
        let hi = lo;
        const q0 = v128.load(blk, 16);
        const l0 = v128.and(q0, m4);
        const h0 = v128.and(i16x8.shr_u(q0, 4), m4);
        lo = Q4K.stepP(
          lo,
          i16x8.extend_low_i8x16_u(l0),
          i16x8.extend_low_i8x16_u(h0),
          v128.load(p16, 0),
          v128.load(p16, 32),
        );
        hi = Q4K.stepP(
          hi,
          i16x8.extend_high_i8x16_u(l0),
          i16x8.extend_high_i8x16_u(h0),
          v128.load(p16, 16),
          v128.load(p16, 48),
        );
        const q1 = v128.load(blk, 32);
        const l1 = v128.and(q1, m4);
        const h1 = v128.and(i16x8.shr_u(q1, 4), m4);
        lo = Q4K.stepP(
          lo,
          i16x8.extend_low_i8x16_u(l1),
          i16x8.extend_low_i8x16_u(h1),
          v128.load(p16, 64),
          v128.load(p16, 96),
        );
        hi = Q4K.stepP(
          hi,
          i16x8.extend_high_i8x16_u(l1),
          i16x8.extend_high_i8x16_u(h1),
          v128.load(p16, 80),
          v128.load(p16, 112),
        );
        v128.store(sink, lo, 0);
        const q2 = v128.load(blk, 48);
        const l2 = v128.and(q2, m4);
        const h2 = v128.and(i16x8.shr_u(q2, 4), m4);
        lo = Q4K.stepP(
          lo,
          i16x8.extend_low_i8x16_u(l2),
          i16x8.extend_low_i8x16_u(h2),
          v128.load(p16, 128),
          v128.load(p16, 160),
        );
        hi = Q4K.stepP(
          hi,
          i16x8.extend_high_i8x16_u(l2),
          i16x8.extend_high_i8x16_u(h2),
          v128.load(p16, 144),
          v128.load(p16, 176),
        );
        const q3 = v128.load(blk, 64);
        const l3 = v128.and(q3, m4);
        const h3 = v128.and(i16x8.shr_u(q3, 4), m4);
        lo = Q4K.stepP(
          lo,
          i16x8.extend_low_i8x16_u(l3),
          i16x8.extend_low_i8x16_u(h3),
          v128.load(p16, 192),
          v128.load(p16, 224),
        );
        hi = Q4K.stepP(
          hi,
          i16x8.extend_high_i8x16_u(l3),
          i16x8.extend_high_i8x16_u(h3),
          v128.load(p16, 208),
          v128.load(p16, 240),
        );
        v128.store(sink, lo, 16);
        const q4 = v128.load(blk, 80);
        const l4 = v128.and(q4, m4);
        const h4 = v128.and(i16x8.shr_u(q4, 4), m4);
        lo = Q4K.stepP(
          lo,
          i16x8.extend_low_i8x16_u(l4),
          i16x8.extend_low_i8x16_u(h4),
          v128.load(p16, 256),
          v128.load(p16, 288),
        );
        hi = Q4K.stepP(
          hi,
          i16x8.extend_high_i8x16_u(l4),
          i16x8.extend_high_i8x16_u(h4),
          v128.load(p16, 272),
          v128.load(p16, 304),
        );
        const q5 = v128.load(blk, 96);
        const l5 = v128.and(q5, m4);
        const h5 = v128.and(i16x8.shr_u(q5, 4), m4);
        lo = Q4K.stepP(
          lo,
          i16x8.extend_low_i8x16_u(l5),
          i16x8.extend_low_i8x16_u(h5),
          v128.load(p16, 320),
          v128.load(p16, 352),
        );
        hi = Q4K.stepP(
          hi,
          i16x8.extend_high_i8x16_u(l5),
          i16x8.extend_high_i8x16_u(h5),
          v128.load(p16, 336),
          v128.load(p16, 368),
        );
        v128.store(sink, lo, 32);
        const q6 = v128.load(blk, 112);
        const l6 = v128.and(q6, m4);
        const h6 = v128.and(i16x8.shr_u(q6, 4), m4);
        lo = Q4K.stepP(
          lo,
          i16x8.extend_low_i8x16_u(l6),
          i16x8.extend_low_i8x16_u(h6),
          v128.load(p16, 384),
          v128.load(p16, 416),
        );
        hi = Q4K.stepP(
          hi,
          i16x8.extend_high_i8x16_u(l6),
          i16x8.extend_high_i8x16_u(h6),
          v128.load(p16, 400),
          v128.load(p16, 432),
        );
        const q7 = v128.load(blk, 128);
        const l7 = v128.and(q7, m4);
        const h7 = v128.and(i16x8.shr_u(q7, 4), m4);
        lo = Q4K.stepP(
          lo,
          i16x8.extend_low_i8x16_u(l7),
          i16x8.extend_low_i8x16_u(h7),
          v128.load(p16, 448),
          v128.load(p16, 480),
        );
        hi = Q4K.stepP(
          hi,
          i16x8.extend_high_i8x16_u(l7),
          i16x8.extend_high_i8x16_u(h7),
          v128.load(p16, 464),
          v128.load(p16, 496),
        );
        v128.store(sink, lo, 48);
        s1 = lo;
        s2 = hi;
      }
      const sm = Q.scalesK4(blk + 4, klo, khi);
      const sc = i16x8.extend_low_i8x16_u(sm);
      const ia = ASC_FEATURE_RELAXED_SIMD ? Q4K.scaleR(s1, s2, sc) : Q4K.scaleP(s1, s2, sc);
      const m16 = i16x8.extend_high_i8x16_u(sm);
      // [d, dmin] widened as a vector, times d_x; the two constants are loaded here rather than
      // held in registers (fewer spills)
      const dm = Q.dminK(blk, v128.load(QK, QK_F16MSK), v128.load(QK, QK_F16MUL));
      acc = Q.finishK(acc, ia, m16, bp, f32x4.mul(dm, v128.load32_splat(dp)));
      p8 += 256;
      p16 += 512;
      dp += 4;
      bp += 16;
    }
    return Q.hsum(acc);
  }

  /**
   * Two weight rows (wa, and wa + gap) · one token, sharing the activation loads: out at o and
   * o + ogap.
   */
  @inline static row2(
    wa: usize,
    gap: usize,
    nsb: i32,
    x8: usize,
    x16: usize,
    d: usize,
    b32: usize,
    sink: usize,
    o: usize,
    ogap: usize,
    accumulate: i32,
  ): void {
    const m4 = v128.load(QK, QK_M15);
    let accA = f32x4.splat(0);
    let accB = accA;
    let p8 = x8;
    let p16 = x16;
    let dp = d;
    let bp = b32;
    const end = wa + <usize>nsb * 144;
    for (let ba = wa; ba < end; ba += 144) {
      const bb = ba + gap;
      let s1A: v128;
      let s2A: v128;
      let s1B: v128;
      let s2B: v128;
      if (ASC_FEATURE_RELAXED_SIMD) {
        const a0 = v128.load(ba, 16);
        const b0 = v128.load(bb, 16);
        const al0 = v128.load(p8, 0);
        const ah0 = v128.load(p8, 16);
        let xA = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(al0, v128.and(a0, m4)),
          i16x8.relaxed_dot_i8x16_i7x16_s(ah0, v128.and(i16x8.shr_u(a0, 4), m4)),
        );
        let xB = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(al0, v128.and(b0, m4)),
          i16x8.relaxed_dot_i8x16_i7x16_s(ah0, v128.and(i16x8.shr_u(b0, 4), m4)),
        );
        v128.store(sink, xA, 0);
        v128.store(sink, xB, 16);
        const a1 = v128.load(ba, 32);
        const b1 = v128.load(bb, 32);
        const al1 = v128.load(p8, 32);
        const ah1 = v128.load(p8, 48);
        xA = Q4K.stepR(xA, a1, m4, al1, ah1);
        xB = Q4K.stepR(xB, b1, m4, al1, ah1);
        v128.store(sink, xA, 0);
        v128.store(sink, xB, 16);
        const a2 = v128.load(ba, 48);
        const b2 = v128.load(bb, 48);
        const al2 = v128.load(p8, 64);
        const ah2 = v128.load(p8, 80);
        xA = Q4K.stepR(xA, a2, m4, al2, ah2);
        xB = Q4K.stepR(xB, b2, m4, al2, ah2);
        v128.store(sink, xA, 0);
        v128.store(sink, xB, 16);
        const a3 = v128.load(ba, 64);
        const b3 = v128.load(bb, 64);
        const al3 = v128.load(p8, 96);
        const ah3 = v128.load(p8, 112);
        xA = Q4K.stepR(xA, a3, m4, al3, ah3);
        xB = Q4K.stepR(xB, b3, m4, al3, ah3);
        v128.store(sink, xA, 0);
        v128.store(sink, xB, 16);
        const a4 = v128.load(ba, 80);
        const b4 = v128.load(bb, 80);
        const al4 = v128.load(p8, 128);
        const ah4 = v128.load(p8, 144);
        let yA = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(al4, v128.and(a4, m4)),
          i16x8.relaxed_dot_i8x16_i7x16_s(ah4, v128.and(i16x8.shr_u(a4, 4), m4)),
        );
        let yB = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(al4, v128.and(b4, m4)),
          i16x8.relaxed_dot_i8x16_i7x16_s(ah4, v128.and(i16x8.shr_u(b4, 4), m4)),
        );
        v128.store(sink, yA, 0);
        v128.store(sink, yB, 16);
        const a5 = v128.load(ba, 96);
        const b5 = v128.load(bb, 96);
        const al5 = v128.load(p8, 160);
        const ah5 = v128.load(p8, 176);
        yA = Q4K.stepR(yA, a5, m4, al5, ah5);
        yB = Q4K.stepR(yB, b5, m4, al5, ah5);
        v128.store(sink, yA, 0);
        v128.store(sink, yB, 16);
        const a6 = v128.load(ba, 112);
        const b6 = v128.load(bb, 112);
        const al6 = v128.load(p8, 192);
        const ah6 = v128.load(p8, 208);
        yA = Q4K.stepR(yA, a6, m4, al6, ah6);
        yB = Q4K.stepR(yB, b6, m4, al6, ah6);
        v128.store(sink, yA, 0);
        v128.store(sink, yB, 16);
        const a7 = v128.load(ba, 128);
        const b7 = v128.load(bb, 128);
        const al7 = v128.load(p8, 224);
        const ah7 = v128.load(p8, 240);
        yA = Q4K.stepR(yA, a7, m4, al7, ah7);
        yB = Q4K.stepR(yB, b7, m4, al7, ah7);
        v128.store(sink, yA, 0);
        v128.store(sink, yB, 16);
        s1A = xA;
        s2A = yA;
        s1B = xB;
        s2B = yB;
      } else {
        let loA = i32x4.splat(0);
        let hiA = loA;
        let loB = loA;
        let hiB = loA;
        const a0 = v128.load(ba, 16);
        const al0 = v128.and(a0, m4);
        const ah0 = v128.and(i16x8.shr_u(a0, 4), m4);
        loA = Q4K.stepP(
          loA,
          i16x8.extend_low_i8x16_u(al0),
          i16x8.extend_low_i8x16_u(ah0),
          v128.load(p16, 0),
          v128.load(p16, 32),
        );
        hiA = Q4K.stepP(
          hiA,
          i16x8.extend_high_i8x16_u(al0),
          i16x8.extend_high_i8x16_u(ah0),
          v128.load(p16, 16),
          v128.load(p16, 48),
        );
        const b0 = v128.load(bb, 16);
        const bl0 = v128.and(b0, m4);
        const bh0 = v128.and(i16x8.shr_u(b0, 4), m4);
        loB = Q4K.stepP(
          loB,
          i16x8.extend_low_i8x16_u(bl0),
          i16x8.extend_low_i8x16_u(bh0),
          v128.load(p16, 0),
          v128.load(p16, 32),
        );
        hiB = Q4K.stepP(
          hiB,
          i16x8.extend_high_i8x16_u(bl0),
          i16x8.extend_high_i8x16_u(bh0),
          v128.load(p16, 16),
          v128.load(p16, 48),
        );
        v128.store(sink, loA, 0);
        v128.store(sink, loB, 16);
        const a1 = v128.load(ba, 32);
        const al1 = v128.and(a1, m4);
        const ah1 = v128.and(i16x8.shr_u(a1, 4), m4);
        loA = Q4K.stepP(
          loA,
          i16x8.extend_low_i8x16_u(al1),
          i16x8.extend_low_i8x16_u(ah1),
          v128.load(p16, 64),
          v128.load(p16, 96),
        );
        hiA = Q4K.stepP(
          hiA,
          i16x8.extend_high_i8x16_u(al1),
          i16x8.extend_high_i8x16_u(ah1),
          v128.load(p16, 80),
          v128.load(p16, 112),
        );
        const b1 = v128.load(bb, 32);
        const bl1 = v128.and(b1, m4);
        const bh1 = v128.and(i16x8.shr_u(b1, 4), m4);
        loB = Q4K.stepP(
          loB,
          i16x8.extend_low_i8x16_u(bl1),
          i16x8.extend_low_i8x16_u(bh1),
          v128.load(p16, 64),
          v128.load(p16, 96),
        );
        hiB = Q4K.stepP(
          hiB,
          i16x8.extend_high_i8x16_u(bl1),
          i16x8.extend_high_i8x16_u(bh1),
          v128.load(p16, 80),
          v128.load(p16, 112),
        );
        v128.store(sink, loA, 0);
        v128.store(sink, loB, 16);
        const a2 = v128.load(ba, 48);
        const al2 = v128.and(a2, m4);
        const ah2 = v128.and(i16x8.shr_u(a2, 4), m4);
        loA = Q4K.stepP(
          loA,
          i16x8.extend_low_i8x16_u(al2),
          i16x8.extend_low_i8x16_u(ah2),
          v128.load(p16, 128),
          v128.load(p16, 160),
        );
        hiA = Q4K.stepP(
          hiA,
          i16x8.extend_high_i8x16_u(al2),
          i16x8.extend_high_i8x16_u(ah2),
          v128.load(p16, 144),
          v128.load(p16, 176),
        );
        const b2 = v128.load(bb, 48);
        const bl2 = v128.and(b2, m4);
        const bh2 = v128.and(i16x8.shr_u(b2, 4), m4);
        loB = Q4K.stepP(
          loB,
          i16x8.extend_low_i8x16_u(bl2),
          i16x8.extend_low_i8x16_u(bh2),
          v128.load(p16, 128),
          v128.load(p16, 160),
        );
        hiB = Q4K.stepP(
          hiB,
          i16x8.extend_high_i8x16_u(bl2),
          i16x8.extend_high_i8x16_u(bh2),
          v128.load(p16, 144),
          v128.load(p16, 176),
        );
        v128.store(sink, loA, 0);
        v128.store(sink, loB, 16);
        const a3 = v128.load(ba, 64);
        const al3 = v128.and(a3, m4);
        const ah3 = v128.and(i16x8.shr_u(a3, 4), m4);
        loA = Q4K.stepP(
          loA,
          i16x8.extend_low_i8x16_u(al3),
          i16x8.extend_low_i8x16_u(ah3),
          v128.load(p16, 192),
          v128.load(p16, 224),
        );
        hiA = Q4K.stepP(
          hiA,
          i16x8.extend_high_i8x16_u(al3),
          i16x8.extend_high_i8x16_u(ah3),
          v128.load(p16, 208),
          v128.load(p16, 240),
        );
        const b3 = v128.load(bb, 64);
        const bl3 = v128.and(b3, m4);
        const bh3 = v128.and(i16x8.shr_u(b3, 4), m4);
        loB = Q4K.stepP(
          loB,
          i16x8.extend_low_i8x16_u(bl3),
          i16x8.extend_low_i8x16_u(bh3),
          v128.load(p16, 192),
          v128.load(p16, 224),
        );
        hiB = Q4K.stepP(
          hiB,
          i16x8.extend_high_i8x16_u(bl3),
          i16x8.extend_high_i8x16_u(bh3),
          v128.load(p16, 208),
          v128.load(p16, 240),
        );
        v128.store(sink, loA, 0);
        v128.store(sink, loB, 16);
        const a4 = v128.load(ba, 80);
        const al4 = v128.and(a4, m4);
        const ah4 = v128.and(i16x8.shr_u(a4, 4), m4);
        loA = Q4K.stepP(
          loA,
          i16x8.extend_low_i8x16_u(al4),
          i16x8.extend_low_i8x16_u(ah4),
          v128.load(p16, 256),
          v128.load(p16, 288),
        );
        hiA = Q4K.stepP(
          hiA,
          i16x8.extend_high_i8x16_u(al4),
          i16x8.extend_high_i8x16_u(ah4),
          v128.load(p16, 272),
          v128.load(p16, 304),
        );
        const b4 = v128.load(bb, 80);
        const bl4 = v128.and(b4, m4);
        const bh4 = v128.and(i16x8.shr_u(b4, 4), m4);
        loB = Q4K.stepP(
          loB,
          i16x8.extend_low_i8x16_u(bl4),
          i16x8.extend_low_i8x16_u(bh4),
          v128.load(p16, 256),
          v128.load(p16, 288),
        );
        hiB = Q4K.stepP(
          hiB,
          i16x8.extend_high_i8x16_u(bl4),
          i16x8.extend_high_i8x16_u(bh4),
          v128.load(p16, 272),
          v128.load(p16, 304),
        );
        v128.store(sink, loA, 0);
        v128.store(sink, loB, 16);
        const a5 = v128.load(ba, 96);
        const al5 = v128.and(a5, m4);
        const ah5 = v128.and(i16x8.shr_u(a5, 4), m4);
        loA = Q4K.stepP(
          loA,
          i16x8.extend_low_i8x16_u(al5),
          i16x8.extend_low_i8x16_u(ah5),
          v128.load(p16, 320),
          v128.load(p16, 352),
        );
        hiA = Q4K.stepP(
          hiA,
          i16x8.extend_high_i8x16_u(al5),
          i16x8.extend_high_i8x16_u(ah5),
          v128.load(p16, 336),
          v128.load(p16, 368),
        );
        const b5 = v128.load(bb, 96);
        const bl5 = v128.and(b5, m4);
        const bh5 = v128.and(i16x8.shr_u(b5, 4), m4);
        loB = Q4K.stepP(
          loB,
          i16x8.extend_low_i8x16_u(bl5),
          i16x8.extend_low_i8x16_u(bh5),
          v128.load(p16, 320),
          v128.load(p16, 352),
        );
        hiB = Q4K.stepP(
          hiB,
          i16x8.extend_high_i8x16_u(bl5),
          i16x8.extend_high_i8x16_u(bh5),
          v128.load(p16, 336),
          v128.load(p16, 368),
        );
        v128.store(sink, loA, 0);
        v128.store(sink, loB, 16);
        const a6 = v128.load(ba, 112);
        const al6 = v128.and(a6, m4);
        const ah6 = v128.and(i16x8.shr_u(a6, 4), m4);
        loA = Q4K.stepP(
          loA,
          i16x8.extend_low_i8x16_u(al6),
          i16x8.extend_low_i8x16_u(ah6),
          v128.load(p16, 384),
          v128.load(p16, 416),
        );
        hiA = Q4K.stepP(
          hiA,
          i16x8.extend_high_i8x16_u(al6),
          i16x8.extend_high_i8x16_u(ah6),
          v128.load(p16, 400),
          v128.load(p16, 432),
        );
        const b6 = v128.load(bb, 112);
        const bl6 = v128.and(b6, m4);
        const bh6 = v128.and(i16x8.shr_u(b6, 4), m4);
        loB = Q4K.stepP(
          loB,
          i16x8.extend_low_i8x16_u(bl6),
          i16x8.extend_low_i8x16_u(bh6),
          v128.load(p16, 384),
          v128.load(p16, 416),
        );
        hiB = Q4K.stepP(
          hiB,
          i16x8.extend_high_i8x16_u(bl6),
          i16x8.extend_high_i8x16_u(bh6),
          v128.load(p16, 400),
          v128.load(p16, 432),
        );
        v128.store(sink, loA, 0);
        v128.store(sink, loB, 16);
        const a7 = v128.load(ba, 128);
        const al7 = v128.and(a7, m4);
        const ah7 = v128.and(i16x8.shr_u(a7, 4), m4);
        loA = Q4K.stepP(
          loA,
          i16x8.extend_low_i8x16_u(al7),
          i16x8.extend_low_i8x16_u(ah7),
          v128.load(p16, 448),
          v128.load(p16, 480),
        );
        hiA = Q4K.stepP(
          hiA,
          i16x8.extend_high_i8x16_u(al7),
          i16x8.extend_high_i8x16_u(ah7),
          v128.load(p16, 464),
          v128.load(p16, 496),
        );
        const b7 = v128.load(bb, 128);
        const bl7 = v128.and(b7, m4);
        const bh7 = v128.and(i16x8.shr_u(b7, 4), m4);
        loB = Q4K.stepP(
          loB,
          i16x8.extend_low_i8x16_u(bl7),
          i16x8.extend_low_i8x16_u(bh7),
          v128.load(p16, 448),
          v128.load(p16, 480),
        );
        hiB = Q4K.stepP(
          hiB,
          i16x8.extend_high_i8x16_u(bl7),
          i16x8.extend_high_i8x16_u(bh7),
          v128.load(p16, 464),
          v128.load(p16, 496),
        );
        v128.store(sink, loA, 0);
        v128.store(sink, loB, 16);
        s1A = loA;
        s2A = hiA;
        s1B = loB;
        s2B = hiB;
      }
      const klo = v128.load(QK, QK_K4LO);
      const khi = v128.load(QK, QK_K4HI);
      const smA = Q.scalesK4(ba + 4, klo, khi);
      const smB = Q.scalesK4(bb + 4, klo, khi);
      const scA = i16x8.extend_low_i8x16_u(smA);
      const scB = i16x8.extend_low_i8x16_u(smB);
      const iaA = ASC_FEATURE_RELAXED_SIMD ? Q4K.scaleR(s1A, s2A, scA) : Q4K.scaleP(s1A, s2A, scA);
      const iaB = ASC_FEATURE_RELAXED_SIMD ? Q4K.scaleR(s1B, s2B, scB) : Q4K.scaleP(s1B, s2B, scB);
      const fm = v128.load(QK, QK_F16MSK);
      const fx = v128.load(QK, QK_F16MUL);
      const dx = v128.load32_splat(dp);
      accA = Q.finishK(accA, iaA, i16x8.extend_high_i8x16_u(smA), bp, f32x4.mul(Q.dminK(ba, fm, fx), dx));
      accB = Q.finishK(accB, iaB, i16x8.extend_high_i8x16_u(smB), bp, f32x4.mul(Q.dminK(bb, fm, fx), dx));
      p8 += 256;
      p16 += 512;
      dp += 4;
      bp += 16;
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
    const m4 = v128.load(QK, QK_M15);
    const klo = v128.load(QK, QK_K4LO);
    const khi = v128.load(QK, QK_K4HI);
    const fm = v128.load(QK, QK_F16MSK);
    const fx = v128.load(QK, QK_F16MUL);
    let a0 = f32x4.splat(0);
    let a1 = a0;
    let a2 = a0;
    let a3 = a0;
    for (let sb: usize = 0; sb < <usize>nsb; sb++) {
      const blk = wr + sb * 144;
      const sm = Q.scalesK4(blk + 4, klo, khi);
      const sc = i16x8.extend_low_i8x16_u(sm);
      const p8 = x8 + (sb << 8);
      const p16 = x16 + (sb << 9);
      let i0: v128;
      let i1: v128;
      let i2: v128;
      let i3: v128;
      if (ASC_FEATURE_RELAXED_SIMD) {
        const q0 = v128.load(blk, 16);
        const l0 = v128.and(q0, m4);
        const h0 = v128.and(i16x8.shr_u(q0, 4), m4);
        let x0 = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 0), l0),
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 16), h0),
        );
        v128.store(sink, x0, 0);
        let x1 = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 1 * x8s, 0), l0),
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 1 * x8s, 16), h0),
        );
        v128.store(sink, x1, 16);
        let x2 = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 2 * x8s, 0), l0),
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 2 * x8s, 16), h0),
        );
        v128.store(sink, x2, 32);
        let x3 = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 3 * x8s, 0), l0),
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 3 * x8s, 16), h0),
        );
        v128.store(sink, x3, 48);
        const q1 = v128.load(blk, 32);
        const l1 = v128.and(q1, m4);
        const h1 = v128.and(i16x8.shr_u(q1, 4), m4);
        x0 = i16x8.add(
          x0,
          i16x8.add(
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 32), l1),
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 48), h1),
          ),
        );
        v128.store(sink, x0, 0);
        x1 = i16x8.add(
          x1,
          i16x8.add(
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 1 * x8s, 32), l1),
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 1 * x8s, 48), h1),
          ),
        );
        v128.store(sink, x1, 16);
        x2 = i16x8.add(
          x2,
          i16x8.add(
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 2 * x8s, 32), l1),
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 2 * x8s, 48), h1),
          ),
        );
        v128.store(sink, x2, 32);
        x3 = i16x8.add(
          x3,
          i16x8.add(
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 3 * x8s, 32), l1),
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 3 * x8s, 48), h1),
          ),
        );
        v128.store(sink, x3, 48);
        const q2 = v128.load(blk, 48);
        const l2 = v128.and(q2, m4);
        const h2 = v128.and(i16x8.shr_u(q2, 4), m4);
        x0 = i16x8.add(
          x0,
          i16x8.add(
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 64), l2),
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 80), h2),
          ),
        );
        v128.store(sink, x0, 0);
        x1 = i16x8.add(
          x1,
          i16x8.add(
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 1 * x8s, 64), l2),
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 1 * x8s, 80), h2),
          ),
        );
        v128.store(sink, x1, 16);
        x2 = i16x8.add(
          x2,
          i16x8.add(
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 2 * x8s, 64), l2),
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 2 * x8s, 80), h2),
          ),
        );
        v128.store(sink, x2, 32);
        x3 = i16x8.add(
          x3,
          i16x8.add(
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 3 * x8s, 64), l2),
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 3 * x8s, 80), h2),
          ),
        );
        v128.store(sink, x3, 48);
        const q3 = v128.load(blk, 64);
        const l3 = v128.and(q3, m4);
        const h3 = v128.and(i16x8.shr_u(q3, 4), m4);
        x0 = i16x8.add(
          x0,
          i16x8.add(
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 96), l3),
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 112), h3),
          ),
        );
        v128.store(sink, x0, 0);
        x1 = i16x8.add(
          x1,
          i16x8.add(
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 1 * x8s, 96), l3),
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 1 * x8s, 112), h3),
          ),
        );
        v128.store(sink, x1, 16);
        x2 = i16x8.add(
          x2,
          i16x8.add(
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 2 * x8s, 96), l3),
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 2 * x8s, 112), h3),
          ),
        );
        v128.store(sink, x2, 32);
        x3 = i16x8.add(
          x3,
          i16x8.add(
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 3 * x8s, 96), l3),
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 3 * x8s, 112), h3),
          ),
        );
        v128.store(sink, x3, 48);
        const q4 = v128.load(blk, 80);
        const l4 = v128.and(q4, m4);
        const h4 = v128.and(i16x8.shr_u(q4, 4), m4);
        let y0 = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 128), l4),
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 144), h4),
        );
        v128.store(sink, y0, 0);
        let y1 = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 1 * x8s, 128), l4),
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 1 * x8s, 144), h4),
        );
        v128.store(sink, y1, 16);
        let y2 = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 2 * x8s, 128), l4),
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 2 * x8s, 144), h4),
        );
        v128.store(sink, y2, 32);
        let y3 = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 3 * x8s, 128), l4),
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 3 * x8s, 144), h4),
        );
        v128.store(sink, y3, 48);
        const q5 = v128.load(blk, 96);
        const l5 = v128.and(q5, m4);
        const h5 = v128.and(i16x8.shr_u(q5, 4), m4);
        y0 = i16x8.add(
          y0,
          i16x8.add(
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 160), l5),
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 176), h5),
          ),
        );
        v128.store(sink, y0, 0);
        y1 = i16x8.add(
          y1,
          i16x8.add(
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 1 * x8s, 160), l5),
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 1 * x8s, 176), h5),
          ),
        );
        v128.store(sink, y1, 16);
        y2 = i16x8.add(
          y2,
          i16x8.add(
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 2 * x8s, 160), l5),
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 2 * x8s, 176), h5),
          ),
        );
        v128.store(sink, y2, 32);
        y3 = i16x8.add(
          y3,
          i16x8.add(
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 3 * x8s, 160), l5),
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 3 * x8s, 176), h5),
          ),
        );
        v128.store(sink, y3, 48);
        const q6 = v128.load(blk, 112);
        const l6 = v128.and(q6, m4);
        const h6 = v128.and(i16x8.shr_u(q6, 4), m4);
        y0 = i16x8.add(
          y0,
          i16x8.add(
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 192), l6),
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 208), h6),
          ),
        );
        v128.store(sink, y0, 0);
        y1 = i16x8.add(
          y1,
          i16x8.add(
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 1 * x8s, 192), l6),
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 1 * x8s, 208), h6),
          ),
        );
        v128.store(sink, y1, 16);
        y2 = i16x8.add(
          y2,
          i16x8.add(
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 2 * x8s, 192), l6),
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 2 * x8s, 208), h6),
          ),
        );
        v128.store(sink, y2, 32);
        y3 = i16x8.add(
          y3,
          i16x8.add(
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 3 * x8s, 192), l6),
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 3 * x8s, 208), h6),
          ),
        );
        v128.store(sink, y3, 48);
        const q7 = v128.load(blk, 128);
        const l7 = v128.and(q7, m4);
        const h7 = v128.and(i16x8.shr_u(q7, 4), m4);
        y0 = i16x8.add(
          y0,
          i16x8.add(
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 224), l7),
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 240), h7),
          ),
        );
        v128.store(sink, y0, 0);
        y1 = i16x8.add(
          y1,
          i16x8.add(
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 1 * x8s, 224), l7),
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 1 * x8s, 240), h7),
          ),
        );
        v128.store(sink, y1, 16);
        y2 = i16x8.add(
          y2,
          i16x8.add(
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 2 * x8s, 224), l7),
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 2 * x8s, 240), h7),
          ),
        );
        v128.store(sink, y2, 32);
        y3 = i16x8.add(
          y3,
          i16x8.add(
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 3 * x8s, 224), l7),
            i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8 + 3 * x8s, 240), h7),
          ),
        );
        v128.store(sink, y3, 48);
        i0 = Q4K.scaleR(x0, y0, sc);
        i1 = Q4K.scaleR(x1, y1, sc);
        i2 = Q4K.scaleR(x2, y2, sc);
        i3 = Q4K.scaleR(x3, y3, sc);
      } else {
        let lo0 = i32x4.splat(0);
        let lo1 = lo0;
        let lo2 = lo0;
        let lo3 = lo0;
        let hi0 = lo0;
        let hi1 = lo0;
        let hi2 = lo0;
        let hi3 = lo0;
        const q0 = v128.load(blk, 16);
        const l0 = v128.and(q0, m4);
        const h0 = v128.and(i16x8.shr_u(q0, 4), m4);
        const ll0 = i16x8.extend_low_i8x16_u(l0);
        const hl0 = i16x8.extend_low_i8x16_u(h0);
        const lh0 = i16x8.extend_high_i8x16_u(l0);
        const hh0 = i16x8.extend_high_i8x16_u(h0);
        lo0 = Q4K.stepP(lo0, ll0, hl0, v128.load(p16, 0), v128.load(p16, 32));
        hi0 = Q4K.stepP(hi0, lh0, hh0, v128.load(p16, 16), v128.load(p16, 48));
        v128.store(sink, lo0, 0);
        lo1 = Q4K.stepP(lo1, ll0, hl0, v128.load(p16 + 1 * x16s, 0), v128.load(p16 + 1 * x16s, 32));
        hi1 = Q4K.stepP(hi1, lh0, hh0, v128.load(p16 + 1 * x16s, 16), v128.load(p16 + 1 * x16s, 48));
        v128.store(sink, lo1, 16);
        lo2 = Q4K.stepP(lo2, ll0, hl0, v128.load(p16 + 2 * x16s, 0), v128.load(p16 + 2 * x16s, 32));
        hi2 = Q4K.stepP(hi2, lh0, hh0, v128.load(p16 + 2 * x16s, 16), v128.load(p16 + 2 * x16s, 48));
        v128.store(sink, lo2, 32);
        lo3 = Q4K.stepP(lo3, ll0, hl0, v128.load(p16 + 3 * x16s, 0), v128.load(p16 + 3 * x16s, 32));
        hi3 = Q4K.stepP(hi3, lh0, hh0, v128.load(p16 + 3 * x16s, 16), v128.load(p16 + 3 * x16s, 48));
        v128.store(sink, lo3, 48);
        const q1 = v128.load(blk, 32);
        const l1 = v128.and(q1, m4);
        const h1 = v128.and(i16x8.shr_u(q1, 4), m4);
        const ll1 = i16x8.extend_low_i8x16_u(l1);
        const hl1 = i16x8.extend_low_i8x16_u(h1);
        const lh1 = i16x8.extend_high_i8x16_u(l1);
        const hh1 = i16x8.extend_high_i8x16_u(h1);
        lo0 = Q4K.stepP(lo0, ll1, hl1, v128.load(p16, 64), v128.load(p16, 96));
        hi0 = Q4K.stepP(hi0, lh1, hh1, v128.load(p16, 80), v128.load(p16, 112));
        v128.store(sink, lo0, 0);
        lo1 = Q4K.stepP(lo1, ll1, hl1, v128.load(p16 + 1 * x16s, 64), v128.load(p16 + 1 * x16s, 96));
        hi1 = Q4K.stepP(hi1, lh1, hh1, v128.load(p16 + 1 * x16s, 80), v128.load(p16 + 1 * x16s, 112));
        v128.store(sink, lo1, 16);
        lo2 = Q4K.stepP(lo2, ll1, hl1, v128.load(p16 + 2 * x16s, 64), v128.load(p16 + 2 * x16s, 96));
        hi2 = Q4K.stepP(hi2, lh1, hh1, v128.load(p16 + 2 * x16s, 80), v128.load(p16 + 2 * x16s, 112));
        v128.store(sink, lo2, 32);
        lo3 = Q4K.stepP(lo3, ll1, hl1, v128.load(p16 + 3 * x16s, 64), v128.load(p16 + 3 * x16s, 96));
        hi3 = Q4K.stepP(hi3, lh1, hh1, v128.load(p16 + 3 * x16s, 80), v128.load(p16 + 3 * x16s, 112));
        v128.store(sink, lo3, 48);
        const q2 = v128.load(blk, 48);
        const l2 = v128.and(q2, m4);
        const h2 = v128.and(i16x8.shr_u(q2, 4), m4);
        const ll2 = i16x8.extend_low_i8x16_u(l2);
        const hl2 = i16x8.extend_low_i8x16_u(h2);
        const lh2 = i16x8.extend_high_i8x16_u(l2);
        const hh2 = i16x8.extend_high_i8x16_u(h2);
        lo0 = Q4K.stepP(lo0, ll2, hl2, v128.load(p16, 128), v128.load(p16, 160));
        hi0 = Q4K.stepP(hi0, lh2, hh2, v128.load(p16, 144), v128.load(p16, 176));
        v128.store(sink, lo0, 0);
        lo1 = Q4K.stepP(lo1, ll2, hl2, v128.load(p16 + 1 * x16s, 128), v128.load(p16 + 1 * x16s, 160));
        hi1 = Q4K.stepP(hi1, lh2, hh2, v128.load(p16 + 1 * x16s, 144), v128.load(p16 + 1 * x16s, 176));
        v128.store(sink, lo1, 16);
        lo2 = Q4K.stepP(lo2, ll2, hl2, v128.load(p16 + 2 * x16s, 128), v128.load(p16 + 2 * x16s, 160));
        hi2 = Q4K.stepP(hi2, lh2, hh2, v128.load(p16 + 2 * x16s, 144), v128.load(p16 + 2 * x16s, 176));
        v128.store(sink, lo2, 32);
        lo3 = Q4K.stepP(lo3, ll2, hl2, v128.load(p16 + 3 * x16s, 128), v128.load(p16 + 3 * x16s, 160));
        hi3 = Q4K.stepP(hi3, lh2, hh2, v128.load(p16 + 3 * x16s, 144), v128.load(p16 + 3 * x16s, 176));
        v128.store(sink, lo3, 48);
        const q3 = v128.load(blk, 64);
        const l3 = v128.and(q3, m4);
        const h3 = v128.and(i16x8.shr_u(q3, 4), m4);
        const ll3 = i16x8.extend_low_i8x16_u(l3);
        const hl3 = i16x8.extend_low_i8x16_u(h3);
        const lh3 = i16x8.extend_high_i8x16_u(l3);
        const hh3 = i16x8.extend_high_i8x16_u(h3);
        lo0 = Q4K.stepP(lo0, ll3, hl3, v128.load(p16, 192), v128.load(p16, 224));
        hi0 = Q4K.stepP(hi0, lh3, hh3, v128.load(p16, 208), v128.load(p16, 240));
        v128.store(sink, lo0, 0);
        lo1 = Q4K.stepP(lo1, ll3, hl3, v128.load(p16 + 1 * x16s, 192), v128.load(p16 + 1 * x16s, 224));
        hi1 = Q4K.stepP(hi1, lh3, hh3, v128.load(p16 + 1 * x16s, 208), v128.load(p16 + 1 * x16s, 240));
        v128.store(sink, lo1, 16);
        lo2 = Q4K.stepP(lo2, ll3, hl3, v128.load(p16 + 2 * x16s, 192), v128.load(p16 + 2 * x16s, 224));
        hi2 = Q4K.stepP(hi2, lh3, hh3, v128.load(p16 + 2 * x16s, 208), v128.load(p16 + 2 * x16s, 240));
        v128.store(sink, lo2, 32);
        lo3 = Q4K.stepP(lo3, ll3, hl3, v128.load(p16 + 3 * x16s, 192), v128.load(p16 + 3 * x16s, 224));
        hi3 = Q4K.stepP(hi3, lh3, hh3, v128.load(p16 + 3 * x16s, 208), v128.load(p16 + 3 * x16s, 240));
        v128.store(sink, lo3, 48);
        const q4 = v128.load(blk, 80);
        const l4 = v128.and(q4, m4);
        const h4 = v128.and(i16x8.shr_u(q4, 4), m4);
        const ll4 = i16x8.extend_low_i8x16_u(l4);
        const hl4 = i16x8.extend_low_i8x16_u(h4);
        const lh4 = i16x8.extend_high_i8x16_u(l4);
        const hh4 = i16x8.extend_high_i8x16_u(h4);
        lo0 = Q4K.stepP(lo0, ll4, hl4, v128.load(p16, 256), v128.load(p16, 288));
        hi0 = Q4K.stepP(hi0, lh4, hh4, v128.load(p16, 272), v128.load(p16, 304));
        v128.store(sink, lo0, 0);
        lo1 = Q4K.stepP(lo1, ll4, hl4, v128.load(p16 + 1 * x16s, 256), v128.load(p16 + 1 * x16s, 288));
        hi1 = Q4K.stepP(hi1, lh4, hh4, v128.load(p16 + 1 * x16s, 272), v128.load(p16 + 1 * x16s, 304));
        v128.store(sink, lo1, 16);
        lo2 = Q4K.stepP(lo2, ll4, hl4, v128.load(p16 + 2 * x16s, 256), v128.load(p16 + 2 * x16s, 288));
        hi2 = Q4K.stepP(hi2, lh4, hh4, v128.load(p16 + 2 * x16s, 272), v128.load(p16 + 2 * x16s, 304));
        v128.store(sink, lo2, 32);
        lo3 = Q4K.stepP(lo3, ll4, hl4, v128.load(p16 + 3 * x16s, 256), v128.load(p16 + 3 * x16s, 288));
        hi3 = Q4K.stepP(hi3, lh4, hh4, v128.load(p16 + 3 * x16s, 272), v128.load(p16 + 3 * x16s, 304));
        v128.store(sink, lo3, 48);
        const q5 = v128.load(blk, 96);
        const l5 = v128.and(q5, m4);
        const h5 = v128.and(i16x8.shr_u(q5, 4), m4);
        const ll5 = i16x8.extend_low_i8x16_u(l5);
        const hl5 = i16x8.extend_low_i8x16_u(h5);
        const lh5 = i16x8.extend_high_i8x16_u(l5);
        const hh5 = i16x8.extend_high_i8x16_u(h5);
        lo0 = Q4K.stepP(lo0, ll5, hl5, v128.load(p16, 320), v128.load(p16, 352));
        hi0 = Q4K.stepP(hi0, lh5, hh5, v128.load(p16, 336), v128.load(p16, 368));
        v128.store(sink, lo0, 0);
        lo1 = Q4K.stepP(lo1, ll5, hl5, v128.load(p16 + 1 * x16s, 320), v128.load(p16 + 1 * x16s, 352));
        hi1 = Q4K.stepP(hi1, lh5, hh5, v128.load(p16 + 1 * x16s, 336), v128.load(p16 + 1 * x16s, 368));
        v128.store(sink, lo1, 16);
        lo2 = Q4K.stepP(lo2, ll5, hl5, v128.load(p16 + 2 * x16s, 320), v128.load(p16 + 2 * x16s, 352));
        hi2 = Q4K.stepP(hi2, lh5, hh5, v128.load(p16 + 2 * x16s, 336), v128.load(p16 + 2 * x16s, 368));
        v128.store(sink, lo2, 32);
        lo3 = Q4K.stepP(lo3, ll5, hl5, v128.load(p16 + 3 * x16s, 320), v128.load(p16 + 3 * x16s, 352));
        hi3 = Q4K.stepP(hi3, lh5, hh5, v128.load(p16 + 3 * x16s, 336), v128.load(p16 + 3 * x16s, 368));
        v128.store(sink, lo3, 48);
        const q6 = v128.load(blk, 112);
        const l6 = v128.and(q6, m4);
        const h6 = v128.and(i16x8.shr_u(q6, 4), m4);
        const ll6 = i16x8.extend_low_i8x16_u(l6);
        const hl6 = i16x8.extend_low_i8x16_u(h6);
        const lh6 = i16x8.extend_high_i8x16_u(l6);
        const hh6 = i16x8.extend_high_i8x16_u(h6);
        lo0 = Q4K.stepP(lo0, ll6, hl6, v128.load(p16, 384), v128.load(p16, 416));
        hi0 = Q4K.stepP(hi0, lh6, hh6, v128.load(p16, 400), v128.load(p16, 432));
        v128.store(sink, lo0, 0);
        lo1 = Q4K.stepP(lo1, ll6, hl6, v128.load(p16 + 1 * x16s, 384), v128.load(p16 + 1 * x16s, 416));
        hi1 = Q4K.stepP(hi1, lh6, hh6, v128.load(p16 + 1 * x16s, 400), v128.load(p16 + 1 * x16s, 432));
        v128.store(sink, lo1, 16);
        lo2 = Q4K.stepP(lo2, ll6, hl6, v128.load(p16 + 2 * x16s, 384), v128.load(p16 + 2 * x16s, 416));
        hi2 = Q4K.stepP(hi2, lh6, hh6, v128.load(p16 + 2 * x16s, 400), v128.load(p16 + 2 * x16s, 432));
        v128.store(sink, lo2, 32);
        lo3 = Q4K.stepP(lo3, ll6, hl6, v128.load(p16 + 3 * x16s, 384), v128.load(p16 + 3 * x16s, 416));
        hi3 = Q4K.stepP(hi3, lh6, hh6, v128.load(p16 + 3 * x16s, 400), v128.load(p16 + 3 * x16s, 432));
        v128.store(sink, lo3, 48);
        const q7 = v128.load(blk, 128);
        const l7 = v128.and(q7, m4);
        const h7 = v128.and(i16x8.shr_u(q7, 4), m4);
        const ll7 = i16x8.extend_low_i8x16_u(l7);
        const hl7 = i16x8.extend_low_i8x16_u(h7);
        const lh7 = i16x8.extend_high_i8x16_u(l7);
        const hh7 = i16x8.extend_high_i8x16_u(h7);
        lo0 = Q4K.stepP(lo0, ll7, hl7, v128.load(p16, 448), v128.load(p16, 480));
        hi0 = Q4K.stepP(hi0, lh7, hh7, v128.load(p16, 464), v128.load(p16, 496));
        v128.store(sink, lo0, 0);
        lo1 = Q4K.stepP(lo1, ll7, hl7, v128.load(p16 + 1 * x16s, 448), v128.load(p16 + 1 * x16s, 480));
        hi1 = Q4K.stepP(hi1, lh7, hh7, v128.load(p16 + 1 * x16s, 464), v128.load(p16 + 1 * x16s, 496));
        v128.store(sink, lo1, 16);
        lo2 = Q4K.stepP(lo2, ll7, hl7, v128.load(p16 + 2 * x16s, 448), v128.load(p16 + 2 * x16s, 480));
        hi2 = Q4K.stepP(hi2, lh7, hh7, v128.load(p16 + 2 * x16s, 464), v128.load(p16 + 2 * x16s, 496));
        v128.store(sink, lo2, 32);
        lo3 = Q4K.stepP(lo3, ll7, hl7, v128.load(p16 + 3 * x16s, 448), v128.load(p16 + 3 * x16s, 480));
        hi3 = Q4K.stepP(hi3, lh7, hh7, v128.load(p16 + 3 * x16s, 464), v128.load(p16 + 3 * x16s, 496));
        v128.store(sink, lo3, 48);
        i0 = Q4K.scaleP(lo0, hi0, sc);
        i1 = Q4K.scaleP(lo1, hi1, sc);
        i2 = Q4K.scaleP(lo2, hi2, sc);
        i3 = Q4K.scaleP(lo3, hi3, sc);
      }
      const m16 = i16x8.extend_high_i8x16_u(sm);
      const dm = Q.dminK(blk, fm, fx);
      const b = bp + (sb << 4);
      const dp = d + (sb << 2);
      a0 = Q.finishK(a0, i0, m16, b, f32x4.mul(dm, v128.load32_splat(dp)));
      a1 = Q.finishK(a1, i1, m16, b + bs, f32x4.mul(dm, v128.load32_splat(dp + ds)));
      a2 = Q.finishK(a2, i2, m16, b + 2 * bs, f32x4.mul(dm, v128.load32_splat(dp + 2 * ds)));
      a3 = Q.finishK(a3, i3, m16, b + 3 * bs, f32x4.mul(dm, v128.load32_splat(dp + 3 * ds)));
    }
    Q.put4(o, os, nt, a0, a1, a2, a3, accum);
  }
}

/**
 * out[t][r] (+)= W[r] · x[t] for weight rows r in [r0, r1) and tokens t < m. W in the 'q4k-t'
 * layout; q8/q16/d: the Q8_K activation planes in the matching order (quant_act_q8_k, perm = 1);
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
  const rblk = m < 3 ? r1 - r0 : max<i32>(1, <i32>(196608 / <i32>rb));
  for (let q0 = r0; q0 < r1; q0 += rblk) {
    const q1 = min(r1, q0 + rblk);
    let t = 0;
    for (; t + 3 <= m; t += 4) {
      const nt = min(4, m - t); // 3..4 real tokens (planes padded to 4, see quant-linear.ts)
      const tt = <usize>t;
      for (let r = q0; r < q1; r++) {
        const o = out + tt * os + ((<usize>r) << 2);
        Q4K.row4(
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
          q16 + tt * x16s,
          d + tt * ds,
          bp + tt * bs,
          sink,
          out + tt * os + ((<usize>r) << 2),
          (<usize>h) << 2,
          accumulate,
        );
      }
      for (let r = q0 + 2 * h; r < q1; r++) {
        const v = Q4K.row1(
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
