// The 4-token tile (prefill) of kernels/quant_q4_k.ts (see its header). Not re-exported from
// kernels/index.ts.

import { Q4K } from './quant_q4_k_rows';
import { Q, QK, QK_F16MSK, QK_F16MUL, QK_K4HI, QK_K4LO, QK_M15 } from './quant_util';

// biome-ignore lint/complexity/noStaticOnlyClass: a class carries AssemblyScript's @inline decorators
export class Q4KTile {
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
