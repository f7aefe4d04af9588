// The 4-token tile (prefill) of kernels/quant_q4_k.ts (see its header). Not re-exported from
// kernels/index.ts.

import { Q4K } from './quant_q4_k_rows';
import { Q, QK, QK_F16MSK, QK_F16MUL, QK_K4HI, QK_K4LO, QK_M15 } from './quant_util';

// biome-ignore lint/complexity/noStaticOnlyClass: a class carries AssemblyScript's @inline decorators
export class Q4KTile {
  /** One weight row · 4 tokens; token planes x8s / ds / bs bytes apart (q8 in the q4k-t order). */
  @inline static row4(
    wr: usize,
    nsb: i32,
    x8: usize,
    x8s: usize,
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
      const i0 = Q4K.scaleR(x0, y0, sc);
      const i1 = Q4K.scaleR(x1, y1, sc);
      const i2 = Q4K.scaleR(x2, y2, sc);
      const i3 = Q4K.scaleR(x3, y3, sc);
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
