// The Q4K helpers and decode rows of kernels/quant_q4_k.ts (see its header for the layout and the
// arithmetic). Not re-exported from kernels/index.ts: nothing here becomes a WASM export.

import { Q, QK, QK_F16MSK, QK_F16MUL, QK_K4HI, QK_K4LO, QK_M15 } from './quant_util';

// biome-ignore lint/complexity/noStaticOnlyClass: a class carries AssemblyScript's @inline decorators
export class Q4K {
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
}
