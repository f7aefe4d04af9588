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

  /** One weight row · one token (x8: the token's q8 plane, in the q4k-t order). */
  @inline static row1(wr: usize, nsb: i32, x8: usize, d: usize, b32: usize, sink: usize): f32 {
    const m4 = v128.load(QK, QK_M15);
    const klo = v128.load(QK, QK_K4LO);
    const khi = v128.load(QK, QK_K4HI);
    let acc = f32x4.splat(0);
    let p8 = x8;
    let dp = d;
    let bp = b32;
    const end = wr + <usize>nsb * 144;
    for (let blk = wr; blk < end; blk += 144) {
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
      const s1 = x;
      const s2 = y;
      const sm = Q.scalesK4(blk + 4, klo, khi);
      const sc = i16x8.extend_low_i8x16_u(sm);
      const ia = Q4K.scaleR(s1, s2, sc);
      const m16 = i16x8.extend_high_i8x16_u(sm);
      // [d, dmin] widened as a vector, times d_x; the two constants are loaded here rather than
      // held in registers (fewer spills)
      const dm = Q.dminK(blk, v128.load(QK, QK_F16MSK), v128.load(QK, QK_F16MUL));
      acc = Q.finishK(acc, ia, m16, bp, f32x4.mul(dm, v128.load32_splat(dp)));
      p8 += 256;
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
    let dp = d;
    let bp = b32;
    const end = wa + <usize>nsb * 144;
    for (let ba = wa; ba < end; ba += 144) {
      const bb = ba + gap;
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
      const s1A = xA;
      const s2A = yA;
      const s1B = xB;
      const s2B = yB;
      const klo = v128.load(QK, QK_K4LO);
      const khi = v128.load(QK, QK_K4HI);
      const smA = Q.scalesK4(ba + 4, klo, khi);
      const smB = Q.scalesK4(bb + 4, klo, khi);
      const scA = i16x8.extend_low_i8x16_u(smA);
      const scB = i16x8.extend_low_i8x16_u(smB);
      const iaA = Q4K.scaleR(s1A, s2A, scA);
      const iaB = Q4K.scaleR(s1B, s2B, scB);
      const fm = v128.load(QK, QK_F16MSK);
      const fx = v128.load(QK, QK_F16MUL);
      const dx = v128.load32_splat(dp);
      accA = Q.finishK(accA, iaA, i16x8.extend_high_i8x16_u(smA), bp, f32x4.mul(Q.dminK(ba, fm, fx), dx));
      accB = Q.finishK(accB, iaB, i16x8.extend_high_i8x16_u(smB), bp, f32x4.mul(Q.dminK(bb, fm, fx), dx));
      p8 += 256;
      dp += 4;
      bp += 16;
    }
    Q.put(o, Q.hsum(accA), accumulate);
    Q.put(o + ogap, Q.hsum(accB), accumulate);
  }
}
