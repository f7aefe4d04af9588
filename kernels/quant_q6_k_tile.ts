// The 4-token tile (prefill) of kernels/quant_q6_k.ts (see its header). Not re-exported from
// kernels/index.ts.

import { Q6K } from './quant_q6_k_rows';
import { Q, QK, QK_M15, QK_M30 } from './quant_util';

// biome-ignore lint/complexity/noStaticOnlyClass: a class carries AssemblyScript's @inline decorators
export class Q6KTile {
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
        const w0 = Q.lo6(a0, i16x8.shl(h0, 4), m15, m30);
        const w1 = Q.hi6(a0, i16x8.shl(h0, 2), m15, m30);
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
        const w2 = Q.lo6(b0, h0, m15, m30);
        const w3 = Q.hi6(b0, i16x8.shr_u(h0, 2), m15, m30);
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
        const w4 = Q.lo6(a1, i16x8.shl(h1, 4), m15, m30);
        const w5 = Q.hi6(a1, i16x8.shl(h1, 2), m15, m30);
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
        const w6 = Q.lo6(b1, h1, m15, m30);
        const w7 = Q.hi6(b1, i16x8.shr_u(h1, 2), m15, m30);
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
        const w8 = Q.lo6(a2, i16x8.shl(h2, 4), m15, m30);
        const w9 = Q.hi6(a2, i16x8.shl(h2, 2), m15, m30);
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
        const w10 = Q.lo6(b2, h2, m15, m30);
        const w11 = Q.hi6(b2, i16x8.shr_u(h2, 2), m15, m30);
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
        const w12 = Q.lo6(a3, i16x8.shl(h3, 4), m15, m30);
        const w13 = Q.hi6(a3, i16x8.shl(h3, 2), m15, m30);
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
        const w14 = Q.lo6(b3, h3, m15, m30);
        const w15 = Q.hi6(b3, i16x8.shr_u(h3, 2), m15, m30);
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
        let wv = Q.lo6(l0, i16x8.shl(h0, 4), m15, m30);
        let s = i8x16.shuffle(sc, sc, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1);
        i0 = Q.dot16(i0, wv, p8, p16, s);
        v128.store(sink, i0, 0);
        i1 = Q.dot16(i1, wv, p8 + x8s, p16 + x16s, s);
        v128.store(sink, i1, 16);
        i2 = Q.dot16(i2, wv, p8 + 2 * x8s, p16 + 2 * x16s, s);
        v128.store(sink, i2, 32);
        i3 = Q.dot16(i3, wv, p8 + 3 * x8s, p16 + 3 * x16s, s);
        v128.store(sink, i3, 48);
        wv = Q.lo6(l1, i16x8.shl(h1, 4), m15, m30);
        s = i8x16.shuffle(sc, sc, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3);
        i0 = Q.dot16(i0, wv, p8 + 16, p16 + 32, s);
        v128.store(sink, i0, 0);
        i1 = Q.dot16(i1, wv, p8 + 16 + x8s, p16 + 32 + x16s, s);
        v128.store(sink, i1, 16);
        i2 = Q.dot16(i2, wv, p8 + 16 + 2 * x8s, p16 + 32 + 2 * x16s, s);
        v128.store(sink, i2, 32);
        i3 = Q.dot16(i3, wv, p8 + 16 + 3 * x8s, p16 + 32 + 3 * x16s, s);
        v128.store(sink, i3, 48);
        wv = Q.lo6(l2, i16x8.shl(h0, 2), m15, m30);
        s = i8x16.shuffle(sc, sc, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5);
        i0 = Q.dot16(i0, wv, p8 + 32, p16 + 64, s);
        v128.store(sink, i0, 0);
        i1 = Q.dot16(i1, wv, p8 + 32 + x8s, p16 + 64 + x16s, s);
        v128.store(sink, i1, 16);
        i2 = Q.dot16(i2, wv, p8 + 32 + 2 * x8s, p16 + 64 + 2 * x16s, s);
        v128.store(sink, i2, 32);
        i3 = Q.dot16(i3, wv, p8 + 32 + 3 * x8s, p16 + 64 + 3 * x16s, s);
        v128.store(sink, i3, 48);
        wv = Q.lo6(l3, i16x8.shl(h1, 2), m15, m30);
        s = i8x16.shuffle(sc, sc, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7);
        i0 = Q.dot16(i0, wv, p8 + 48, p16 + 96, s);
        v128.store(sink, i0, 0);
        i1 = Q.dot16(i1, wv, p8 + 48 + x8s, p16 + 96 + x16s, s);
        v128.store(sink, i1, 16);
        i2 = Q.dot16(i2, wv, p8 + 48 + 2 * x8s, p16 + 96 + 2 * x16s, s);
        v128.store(sink, i2, 32);
        i3 = Q.dot16(i3, wv, p8 + 48 + 3 * x8s, p16 + 96 + 3 * x16s, s);
        v128.store(sink, i3, 48);
        wv = Q.hi6(l0, h0, m15, m30);
        s = i8x16.shuffle(sc, sc, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9);
        i0 = Q.dot16(i0, wv, p8 + 64, p16 + 128, s);
        v128.store(sink, i0, 0);
        i1 = Q.dot16(i1, wv, p8 + 64 + x8s, p16 + 128 + x16s, s);
        v128.store(sink, i1, 16);
        i2 = Q.dot16(i2, wv, p8 + 64 + 2 * x8s, p16 + 128 + 2 * x16s, s);
        v128.store(sink, i2, 32);
        i3 = Q.dot16(i3, wv, p8 + 64 + 3 * x8s, p16 + 128 + 3 * x16s, s);
        v128.store(sink, i3, 48);
        wv = Q.hi6(l1, h1, m15, m30);
        s = i8x16.shuffle(sc, sc, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11);
        i0 = Q.dot16(i0, wv, p8 + 80, p16 + 160, s);
        v128.store(sink, i0, 0);
        i1 = Q.dot16(i1, wv, p8 + 80 + x8s, p16 + 160 + x16s, s);
        v128.store(sink, i1, 16);
        i2 = Q.dot16(i2, wv, p8 + 80 + 2 * x8s, p16 + 160 + 2 * x16s, s);
        v128.store(sink, i2, 32);
        i3 = Q.dot16(i3, wv, p8 + 80 + 3 * x8s, p16 + 160 + 3 * x16s, s);
        v128.store(sink, i3, 48);
        wv = Q.hi6(l2, i16x8.shr_u(h0, 2), m15, m30);
        s = i8x16.shuffle(sc, sc, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13);
        i0 = Q.dot16(i0, wv, p8 + 96, p16 + 192, s);
        v128.store(sink, i0, 0);
        i1 = Q.dot16(i1, wv, p8 + 96 + x8s, p16 + 192 + x16s, s);
        v128.store(sink, i1, 16);
        i2 = Q.dot16(i2, wv, p8 + 96 + 2 * x8s, p16 + 192 + 2 * x16s, s);
        v128.store(sink, i2, 32);
        i3 = Q.dot16(i3, wv, p8 + 96 + 3 * x8s, p16 + 192 + 3 * x16s, s);
        v128.store(sink, i3, 48);
        wv = Q.hi6(l3, i16x8.shr_u(h1, 2), m15, m30);
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
        wv = Q.lo6(l0, i16x8.shl(h0, 4), m15, m30);
        s = i8x16.shuffle(sc, sc, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1);
        i0 = Q.dot16(i0, wv, p8 + 128, p16 + 256, s);
        v128.store(sink, i0, 0);
        i1 = Q.dot16(i1, wv, p8 + 128 + x8s, p16 + 256 + x16s, s);
        v128.store(sink, i1, 16);
        i2 = Q.dot16(i2, wv, p8 + 128 + 2 * x8s, p16 + 256 + 2 * x16s, s);
        v128.store(sink, i2, 32);
        i3 = Q.dot16(i3, wv, p8 + 128 + 3 * x8s, p16 + 256 + 3 * x16s, s);
        v128.store(sink, i3, 48);
        wv = Q.lo6(l1, i16x8.shl(h1, 4), m15, m30);
        s = i8x16.shuffle(sc, sc, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3);
        i0 = Q.dot16(i0, wv, p8 + 144, p16 + 288, s);
        v128.store(sink, i0, 0);
        i1 = Q.dot16(i1, wv, p8 + 144 + x8s, p16 + 288 + x16s, s);
        v128.store(sink, i1, 16);
        i2 = Q.dot16(i2, wv, p8 + 144 + 2 * x8s, p16 + 288 + 2 * x16s, s);
        v128.store(sink, i2, 32);
        i3 = Q.dot16(i3, wv, p8 + 144 + 3 * x8s, p16 + 288 + 3 * x16s, s);
        v128.store(sink, i3, 48);
        wv = Q.lo6(l2, i16x8.shl(h0, 2), m15, m30);
        s = i8x16.shuffle(sc, sc, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5);
        i0 = Q.dot16(i0, wv, p8 + 160, p16 + 320, s);
        v128.store(sink, i0, 0);
        i1 = Q.dot16(i1, wv, p8 + 160 + x8s, p16 + 320 + x16s, s);
        v128.store(sink, i1, 16);
        i2 = Q.dot16(i2, wv, p8 + 160 + 2 * x8s, p16 + 320 + 2 * x16s, s);
        v128.store(sink, i2, 32);
        i3 = Q.dot16(i3, wv, p8 + 160 + 3 * x8s, p16 + 320 + 3 * x16s, s);
        v128.store(sink, i3, 48);
        wv = Q.lo6(l3, i16x8.shl(h1, 2), m15, m30);
        s = i8x16.shuffle(sc, sc, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7);
        i0 = Q.dot16(i0, wv, p8 + 176, p16 + 352, s);
        v128.store(sink, i0, 0);
        i1 = Q.dot16(i1, wv, p8 + 176 + x8s, p16 + 352 + x16s, s);
        v128.store(sink, i1, 16);
        i2 = Q.dot16(i2, wv, p8 + 176 + 2 * x8s, p16 + 352 + 2 * x16s, s);
        v128.store(sink, i2, 32);
        i3 = Q.dot16(i3, wv, p8 + 176 + 3 * x8s, p16 + 352 + 3 * x16s, s);
        v128.store(sink, i3, 48);
        wv = Q.hi6(l0, h0, m15, m30);
        s = i8x16.shuffle(sc, sc, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9);
        i0 = Q.dot16(i0, wv, p8 + 192, p16 + 384, s);
        v128.store(sink, i0, 0);
        i1 = Q.dot16(i1, wv, p8 + 192 + x8s, p16 + 384 + x16s, s);
        v128.store(sink, i1, 16);
        i2 = Q.dot16(i2, wv, p8 + 192 + 2 * x8s, p16 + 384 + 2 * x16s, s);
        v128.store(sink, i2, 32);
        i3 = Q.dot16(i3, wv, p8 + 192 + 3 * x8s, p16 + 384 + 3 * x16s, s);
        v128.store(sink, i3, 48);
        wv = Q.hi6(l1, h1, m15, m30);
        s = i8x16.shuffle(sc, sc, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11);
        i0 = Q.dot16(i0, wv, p8 + 208, p16 + 416, s);
        v128.store(sink, i0, 0);
        i1 = Q.dot16(i1, wv, p8 + 208 + x8s, p16 + 416 + x16s, s);
        v128.store(sink, i1, 16);
        i2 = Q.dot16(i2, wv, p8 + 208 + 2 * x8s, p16 + 416 + 2 * x16s, s);
        v128.store(sink, i2, 32);
        i3 = Q.dot16(i3, wv, p8 + 208 + 3 * x8s, p16 + 416 + 3 * x16s, s);
        v128.store(sink, i3, 48);
        wv = Q.hi6(l2, i16x8.shr_u(h0, 2), m15, m30);
        s = i8x16.shuffle(sc, sc, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13);
        i0 = Q.dot16(i0, wv, p8 + 224, p16 + 448, s);
        v128.store(sink, i0, 0);
        i1 = Q.dot16(i1, wv, p8 + 224 + x8s, p16 + 448 + x16s, s);
        v128.store(sink, i1, 16);
        i2 = Q.dot16(i2, wv, p8 + 224 + 2 * x8s, p16 + 448 + 2 * x16s, s);
        v128.store(sink, i2, 32);
        i3 = Q.dot16(i3, wv, p8 + 224 + 3 * x8s, p16 + 448 + 3 * x16s, s);
        v128.store(sink, i3, 48);
        wv = Q.hi6(l3, i16x8.shr_u(h1, 2), m15, m30);
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
