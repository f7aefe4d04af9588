// The Q6K helpers and decode rows of kernels/quant_q6_k.ts (see its header for the layout and the
// arithmetic). Not re-exported from kernels/index.ts: nothing here becomes a WASM export.

import { Q, QK, QK_M15, QK_M30 } from './quant_util';

// biome-ignore lint/complexity/noStaticOnlyClass: a class carries AssemblyScript's @inline decorators
export class Q6K {
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
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 0), Q.lo6(a0, i16x8.shl(h0, 4), m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 16), Q.hi6(a0, i16x8.shl(h0, 2), m15, m30)),
        );
        v128.store(sink, s0, 0);
        ia = i32x4.add(ia, i32x4.dot_i16x8_s(s0, sc0));
        const s2 = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 32), Q.lo6(b0, h0, m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 48), Q.hi6(b0, i16x8.shr_u(h0, 2), m15, m30)),
        );
        v128.store(sink, s2, 16);
        ia = i32x4.add(ia, i32x4.dot_i16x8_s(s2, sc0));
        v128.store(sink, ia, 32);
        const h1 = v128.load(blk, 144);
        const a1 = v128.load(blk, 32);
        const b1 = v128.load(blk, 48);
        const s4 = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 64), Q.lo6(a1, i16x8.shl(h1, 4), m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 80), Q.hi6(a1, i16x8.shl(h1, 2), m15, m30)),
        );
        v128.store(sink, s4, 0);
        ia = i32x4.add(ia, i32x4.dot_i16x8_s(s4, sc0));
        const s6 = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 96), Q.lo6(b1, h1, m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 112), Q.hi6(b1, i16x8.shr_u(h1, 2), m15, m30)),
        );
        v128.store(sink, s6, 16);
        ia = i32x4.add(ia, i32x4.dot_i16x8_s(s6, sc0));
        v128.store(sink, ia, 32);
        const sc1 = i16x8.extend_high_i8x16_s(sv);
        const h2 = v128.load(blk, 160);
        const a2 = v128.load(blk, 64);
        const b2 = v128.load(blk, 80);
        const s8 = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 128), Q.lo6(a2, i16x8.shl(h2, 4), m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 144), Q.hi6(a2, i16x8.shl(h2, 2), m15, m30)),
        );
        v128.store(sink, s8, 0);
        ia = i32x4.add(ia, i32x4.dot_i16x8_s(s8, sc1));
        const s10 = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 160), Q.lo6(b2, h2, m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 176), Q.hi6(b2, i16x8.shr_u(h2, 2), m15, m30)),
        );
        v128.store(sink, s10, 16);
        ia = i32x4.add(ia, i32x4.dot_i16x8_s(s10, sc1));
        v128.store(sink, ia, 32);
        const h3 = v128.load(blk, 176);
        const a3 = v128.load(blk, 96);
        const b3 = v128.load(blk, 112);
        const s12 = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 192), Q.lo6(a3, i16x8.shl(h3, 4), m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 208), Q.hi6(a3, i16x8.shl(h3, 2), m15, m30)),
        );
        v128.store(sink, s12, 0);
        ia = i32x4.add(ia, i32x4.dot_i16x8_s(s12, sc1));
        const s14 = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 224), Q.lo6(b3, h3, m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(p8, 240), Q.hi6(b3, i16x8.shr_u(h3, 2), m15, m30)),
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
          Q.lo6(l0, i16x8.shl(h0, 4), m15, m30),
          ASC_FEATURE_RELAXED_SIMD ? v128.load(p8, 0) : v128.load(p16, 0),
          ASC_FEATURE_RELAXED_SIMD ? zero : v128.load(p16, 16),
        );
        v128.store(sink, t0, 0);
        const t1 = Q.pair16(
          Q.lo6(l1, i16x8.shl(h1, 4), m15, m30),
          ASC_FEATURE_RELAXED_SIMD ? v128.load(p8, 16) : v128.load(p16, 32),
          ASC_FEATURE_RELAXED_SIMD ? zero : v128.load(p16, 48),
        );
        v128.store(sink, t1, 16);
        ia = i32x4.add(ia, i32x4.dot_i16x8_s(Q.fold2(t0, t1), Q.pairScales(sc, 0)));
        v128.store(sink, ia, 32);
        const t2 = Q.pair16(
          Q.lo6(l2, i16x8.shl(h0, 2), m15, m30),
          ASC_FEATURE_RELAXED_SIMD ? v128.load(p8, 32) : v128.load(p16, 64),
          ASC_FEATURE_RELAXED_SIMD ? zero : v128.load(p16, 80),
        );
        v128.store(sink, t2, 0);
        const t3 = Q.pair16(
          Q.lo6(l3, i16x8.shl(h1, 2), m15, m30),
          ASC_FEATURE_RELAXED_SIMD ? v128.load(p8, 48) : v128.load(p16, 96),
          ASC_FEATURE_RELAXED_SIMD ? zero : v128.load(p16, 112),
        );
        v128.store(sink, t3, 16);
        ia = i32x4.add(ia, i32x4.dot_i16x8_s(Q.fold2(t2, t3), Q.pairScales(sc, 1)));
        v128.store(sink, ia, 32);
        const t4 = Q.pair16(
          Q.hi6(l0, h0, m15, m30),
          ASC_FEATURE_RELAXED_SIMD ? v128.load(p8, 64) : v128.load(p16, 128),
          ASC_FEATURE_RELAXED_SIMD ? zero : v128.load(p16, 144),
        );
        v128.store(sink, t4, 0);
        const t5 = Q.pair16(
          Q.hi6(l1, h1, m15, m30),
          ASC_FEATURE_RELAXED_SIMD ? v128.load(p8, 80) : v128.load(p16, 160),
          ASC_FEATURE_RELAXED_SIMD ? zero : v128.load(p16, 176),
        );
        v128.store(sink, t5, 16);
        ia = i32x4.add(ia, i32x4.dot_i16x8_s(Q.fold2(t4, t5), Q.pairScales(sc, 2)));
        v128.store(sink, ia, 32);
        const t6 = Q.pair16(
          Q.hi6(l2, i16x8.shr_u(h0, 2), m15, m30),
          ASC_FEATURE_RELAXED_SIMD ? v128.load(p8, 96) : v128.load(p16, 192),
          ASC_FEATURE_RELAXED_SIMD ? zero : v128.load(p16, 208),
        );
        v128.store(sink, t6, 0);
        const t7 = Q.pair16(
          Q.hi6(l3, i16x8.shr_u(h1, 2), m15, m30),
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
          Q.lo6(l0, i16x8.shl(h0, 4), m15, m30),
          ASC_FEATURE_RELAXED_SIMD ? v128.load(p8, 128) : v128.load(p16, 256),
          ASC_FEATURE_RELAXED_SIMD ? zero : v128.load(p16, 272),
        );
        v128.store(sink, t8, 0);
        const t9 = Q.pair16(
          Q.lo6(l1, i16x8.shl(h1, 4), m15, m30),
          ASC_FEATURE_RELAXED_SIMD ? v128.load(p8, 144) : v128.load(p16, 288),
          ASC_FEATURE_RELAXED_SIMD ? zero : v128.load(p16, 304),
        );
        v128.store(sink, t9, 16);
        ia = i32x4.add(ia, i32x4.dot_i16x8_s(Q.fold2(t8, t9), Q.pairScales(sc, 0)));
        v128.store(sink, ia, 32);
        const t10 = Q.pair16(
          Q.lo6(l2, i16x8.shl(h0, 2), m15, m30),
          ASC_FEATURE_RELAXED_SIMD ? v128.load(p8, 160) : v128.load(p16, 320),
          ASC_FEATURE_RELAXED_SIMD ? zero : v128.load(p16, 336),
        );
        v128.store(sink, t10, 0);
        const t11 = Q.pair16(
          Q.lo6(l3, i16x8.shl(h1, 2), m15, m30),
          ASC_FEATURE_RELAXED_SIMD ? v128.load(p8, 176) : v128.load(p16, 352),
          ASC_FEATURE_RELAXED_SIMD ? zero : v128.load(p16, 368),
        );
        v128.store(sink, t11, 16);
        ia = i32x4.add(ia, i32x4.dot_i16x8_s(Q.fold2(t10, t11), Q.pairScales(sc, 1)));
        v128.store(sink, ia, 32);
        const t12 = Q.pair16(
          Q.hi6(l0, h0, m15, m30),
          ASC_FEATURE_RELAXED_SIMD ? v128.load(p8, 192) : v128.load(p16, 384),
          ASC_FEATURE_RELAXED_SIMD ? zero : v128.load(p16, 400),
        );
        v128.store(sink, t12, 0);
        const t13 = Q.pair16(
          Q.hi6(l1, h1, m15, m30),
          ASC_FEATURE_RELAXED_SIMD ? v128.load(p8, 208) : v128.load(p16, 416),
          ASC_FEATURE_RELAXED_SIMD ? zero : v128.load(p16, 432),
        );
        v128.store(sink, t13, 16);
        ia = i32x4.add(ia, i32x4.dot_i16x8_s(Q.fold2(t12, t13), Q.pairScales(sc, 2)));
        v128.store(sink, ia, 32);
        const t14 = Q.pair16(
          Q.hi6(l2, i16x8.shr_u(h0, 2), m15, m30),
          ASC_FEATURE_RELAXED_SIMD ? v128.load(p8, 224) : v128.load(p16, 448),
          ASC_FEATURE_RELAXED_SIMD ? zero : v128.load(p16, 464),
        );
        v128.store(sink, t14, 0);
        const t15 = Q.pair16(
          Q.hi6(l3, i16x8.shr_u(h1, 2), m15, m30),
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
          i16x8.relaxed_dot_i8x16_i7x16_s(x0, Q.lo6(lA, i16x8.shl(hA, 4), m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(x1, Q.hi6(lA, i16x8.shl(hA, 2), m15, m30)),
        );
        v128.store(sink, sA, 0);
        iA = i32x4.add(iA, i32x4.dot_i16x8_s(sA, i16x8.extend_low_i8x16_s(svA)));
        const hB = v128.load(bb, 128);
        const lB = v128.load(bb, 0);
        const sB = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(x0, Q.lo6(lB, i16x8.shl(hB, 4), m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(x1, Q.hi6(lB, i16x8.shl(hB, 2), m15, m30)),
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
          i16x8.relaxed_dot_i8x16_i7x16_s(x0, Q.lo6(lA, hA, m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(x1, Q.hi6(lA, i16x8.shr_u(hA, 2), m15, m30)),
        );
        v128.store(sink, sA, 0);
        iA = i32x4.add(iA, i32x4.dot_i16x8_s(sA, i16x8.extend_low_i8x16_s(svA)));
        const hB = v128.load(bb, 128);
        const lB = v128.load(bb, 16);
        const sB = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(x0, Q.lo6(lB, hB, m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(x1, Q.hi6(lB, i16x8.shr_u(hB, 2), m15, m30)),
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
          i16x8.relaxed_dot_i8x16_i7x16_s(x0, Q.lo6(lA, i16x8.shl(hA, 4), m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(x1, Q.hi6(lA, i16x8.shl(hA, 2), m15, m30)),
        );
        v128.store(sink, sA, 0);
        iA = i32x4.add(iA, i32x4.dot_i16x8_s(sA, i16x8.extend_low_i8x16_s(svA)));
        const hB = v128.load(bb, 144);
        const lB = v128.load(bb, 32);
        const sB = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(x0, Q.lo6(lB, i16x8.shl(hB, 4), m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(x1, Q.hi6(lB, i16x8.shl(hB, 2), m15, m30)),
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
          i16x8.relaxed_dot_i8x16_i7x16_s(x0, Q.lo6(lA, hA, m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(x1, Q.hi6(lA, i16x8.shr_u(hA, 2), m15, m30)),
        );
        v128.store(sink, sA, 0);
        iA = i32x4.add(iA, i32x4.dot_i16x8_s(sA, i16x8.extend_low_i8x16_s(svA)));
        const hB = v128.load(bb, 144);
        const lB = v128.load(bb, 48);
        const sB = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(x0, Q.lo6(lB, hB, m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(x1, Q.hi6(lB, i16x8.shr_u(hB, 2), m15, m30)),
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
          i16x8.relaxed_dot_i8x16_i7x16_s(x0, Q.lo6(lA, i16x8.shl(hA, 4), m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(x1, Q.hi6(lA, i16x8.shl(hA, 2), m15, m30)),
        );
        v128.store(sink, sA, 0);
        iA = i32x4.add(iA, i32x4.dot_i16x8_s(sA, i16x8.extend_high_i8x16_s(svA)));
        const hB = v128.load(bb, 160);
        const lB = v128.load(bb, 64);
        const sB = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(x0, Q.lo6(lB, i16x8.shl(hB, 4), m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(x1, Q.hi6(lB, i16x8.shl(hB, 2), m15, m30)),
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
          i16x8.relaxed_dot_i8x16_i7x16_s(x0, Q.lo6(lA, hA, m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(x1, Q.hi6(lA, i16x8.shr_u(hA, 2), m15, m30)),
        );
        v128.store(sink, sA, 0);
        iA = i32x4.add(iA, i32x4.dot_i16x8_s(sA, i16x8.extend_high_i8x16_s(svA)));
        const hB = v128.load(bb, 160);
        const lB = v128.load(bb, 80);
        const sB = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(x0, Q.lo6(lB, hB, m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(x1, Q.hi6(lB, i16x8.shr_u(hB, 2), m15, m30)),
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
          i16x8.relaxed_dot_i8x16_i7x16_s(x0, Q.lo6(lA, i16x8.shl(hA, 4), m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(x1, Q.hi6(lA, i16x8.shl(hA, 2), m15, m30)),
        );
        v128.store(sink, sA, 0);
        iA = i32x4.add(iA, i32x4.dot_i16x8_s(sA, i16x8.extend_high_i8x16_s(svA)));
        const hB = v128.load(bb, 176);
        const lB = v128.load(bb, 96);
        const sB = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(x0, Q.lo6(lB, i16x8.shl(hB, 4), m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(x1, Q.hi6(lB, i16x8.shl(hB, 2), m15, m30)),
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
          i16x8.relaxed_dot_i8x16_i7x16_s(x0, Q.lo6(lA, hA, m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(x1, Q.hi6(lA, i16x8.shr_u(hA, 2), m15, m30)),
        );
        v128.store(sink, sA, 0);
        iA = i32x4.add(iA, i32x4.dot_i16x8_s(sA, i16x8.extend_high_i8x16_s(svA)));
        const hB = v128.load(bb, 176);
        const lB = v128.load(bb, 112);
        const sB = i16x8.add(
          i16x8.relaxed_dot_i8x16_i7x16_s(x0, Q.lo6(lB, hB, m15, m30)),
          i16x8.relaxed_dot_i8x16_i7x16_s(x1, Q.hi6(lB, i16x8.shr_u(hB, 2), m15, m30)),
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
}
