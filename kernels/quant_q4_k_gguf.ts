// The portable build's Q4_K kernels over GGUF's block layout (kernels/quant_q4_k.ts; the relaxed
// build reads the transposed q4k-t layout instead). Decode (row1): the 16-bit pair sums of 4
// sub-blocks (|lane| ≤ 7620) are folded and scaled by one dot_i16x8_s with [sc0 sc0 sc1 sc1 ..];
// tiles of 4 tokens (row4): each sub-block scale applied by i32x4.dot_i16x8_s with its splat.
// Here the q4k-t order measured ~5% slower per core: widened weights need i32 lanes there. Not
// re-exported from kernels/index.ts.

import { Q, QK, QK_F16MSK, QK_F16MUL, QK_K4HI, QK_K4LO, QK_M15 } from './quant_util';

// biome-ignore lint/complexity/noStaticOnlyClass: a class carries AssemblyScript's @inline decorators
export class Q4KG {
  /**
   * One weight row · one token. The 16-bit pair sums of 4 sub-blocks are folded (Q.fold2, Q.fold22) and
   * scaled by one dot_i16x8_s with [sc0 sc0 sc1 sc1 ...]; loads use immediate offsets.
   */
  @inline static row1(wr: usize, nsb: i32, x16: usize, d: usize, b32: usize, sink: usize): f32 {
    const m4 = v128.load(QK, QK_M15);
    const klo = v128.load(QK, QK_K4LO);
    const khi = v128.load(QK, QK_K4HI);
    let acc = f32x4.splat(0);
    let p16 = x16;
    let dp = d;
    let bp = b32;
    const end = wr + <usize>nsb * 144;
    for (let blk = wr; blk < end; blk += 144) {
      const sm = Q.scalesK4(blk + 4, klo, khi);
      const sc = i16x8.extend_low_i8x16_u(sm);
      const qa0 = v128.load(blk, 16);
      const qb0 = v128.load(blk, 32);
      const s0 = Q.pair32(
        v128.and(qa0, m4),
        v128.and(qb0, m4),
        v128.load(p16, 0),
        v128.load(p16, 16),
        v128.load(p16, 32),
        v128.load(p16, 48),
      );
      v128.store(sink, s0, 0);
      const s1 = Q.pair32(
        v128.and(i16x8.shr_u(qa0, 4), m4),
        v128.and(i16x8.shr_u(qb0, 4), m4),
        v128.load(p16, 64),
        v128.load(p16, 80),
        v128.load(p16, 96),
        v128.load(p16, 112),
      );
      v128.store(sink, s1, 16);
      const qa1 = v128.load(blk, 48);
      const qb1 = v128.load(blk, 64);
      const s2 = Q.pair32(
        v128.and(qa1, m4),
        v128.and(qb1, m4),
        v128.load(p16, 128),
        v128.load(p16, 144),
        v128.load(p16, 160),
        v128.load(p16, 176),
      );
      v128.store(sink, s2, 32);
      const s3 = Q.pair32(
        v128.and(i16x8.shr_u(qa1, 4), m4),
        v128.and(i16x8.shr_u(qb1, 4), m4),
        v128.load(p16, 192),
        v128.load(p16, 208),
        v128.load(p16, 224),
        v128.load(p16, 240),
      );
      v128.store(sink, s3, 48);
      // sub-blocks 0..3: pair sums folded, then each pair of lanes times its scale
      let ia = i32x4.dot_i16x8_s(
        Q.fold22(Q.fold2(s0, s1), Q.fold2(s2, s3)),
        i8x16.shuffle(sc, sc, 0, 1, 0, 1, 2, 3, 2, 3, 4, 5, 4, 5, 6, 7, 6, 7),
      );
      v128.store(sink, ia, 0);
      const qa2 = v128.load(blk, 80);
      const qb2 = v128.load(blk, 96);
      const s4 = Q.pair32(
        v128.and(qa2, m4),
        v128.and(qb2, m4),
        v128.load(p16, 256),
        v128.load(p16, 272),
        v128.load(p16, 288),
        v128.load(p16, 304),
      );
      v128.store(sink, s4, 0);
      const s5 = Q.pair32(
        v128.and(i16x8.shr_u(qa2, 4), m4),
        v128.and(i16x8.shr_u(qb2, 4), m4),
        v128.load(p16, 320),
        v128.load(p16, 336),
        v128.load(p16, 352),
        v128.load(p16, 368),
      );
      v128.store(sink, s5, 16);
      const qa3 = v128.load(blk, 112);
      const qb3 = v128.load(blk, 128);
      const s6 = Q.pair32(
        v128.and(qa3, m4),
        v128.and(qb3, m4),
        v128.load(p16, 384),
        v128.load(p16, 400),
        v128.load(p16, 416),
        v128.load(p16, 432),
      );
      v128.store(sink, s6, 32);
      const s7 = Q.pair32(
        v128.and(i16x8.shr_u(qa3, 4), m4),
        v128.and(i16x8.shr_u(qb3, 4), m4),
        v128.load(p16, 448),
        v128.load(p16, 464),
        v128.load(p16, 480),
        v128.load(p16, 496),
      );
      v128.store(sink, s7, 48);
      ia = i32x4.add(
        ia,
        i32x4.dot_i16x8_s(
          Q.fold22(Q.fold2(s4, s5), Q.fold2(s6, s7)),
          i8x16.shuffle(sc, sc, 8, 9, 8, 9, 10, 11, 10, 11, 12, 13, 12, 13, 14, 15, 14, 15),
        ),
      );
      const m16 = i16x8.extend_high_i8x16_u(sm);
      // [d, dmin] widened as a vector, times d_x; the two constants are loaded here rather than
      // held in registers (3% faster: fewer spills)
      const dm = Q.dminK(blk, v128.load(QK, QK_F16MSK), v128.load(QK, QK_F16MUL));
      const dv = f32x4.mul(dm, v128.load32_splat(dp));
      acc = Q.finishK(acc, ia, m16, bp, dv);
      p16 += 512;
      dp += 4;
      bp += 16;
    }
    return Q.hsum(acc);
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
      let i0 = i32x4.splat(0);
      let i1 = i0;
      let i2 = i0;
      let i3 = i0;
      let qa = v128.load(blk, 16);
      let qb = v128.load(blk, 32);
      let la = v128.and(qa, m4);
      let lb = v128.and(qb, m4);
      let s = i8x16.shuffle(sc, sc, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1);
      i0 = Q.dot32(i0, la, lb, p8, p16, s);
      v128.store(sink, i0, 0);
      i1 = Q.dot32(i1, la, lb, p8 + x8s, p16 + x16s, s);
      v128.store(sink, i1, 16);
      i2 = Q.dot32(i2, la, lb, p8 + 2 * x8s, p16 + 2 * x16s, s);
      v128.store(sink, i2, 32);
      i3 = Q.dot32(i3, la, lb, p8 + 3 * x8s, p16 + 3 * x16s, s);
      v128.store(sink, i3, 48);
      la = v128.and(i16x8.shr_u(qa, 4), m4);
      lb = v128.and(i16x8.shr_u(qb, 4), m4);
      s = i8x16.shuffle(sc, sc, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3);
      i0 = Q.dot32(i0, la, lb, p8 + 32, p16 + 64, s);
      v128.store(sink, i0, 0);
      i1 = Q.dot32(i1, la, lb, p8 + 32 + x8s, p16 + 64 + x16s, s);
      v128.store(sink, i1, 16);
      i2 = Q.dot32(i2, la, lb, p8 + 32 + 2 * x8s, p16 + 64 + 2 * x16s, s);
      v128.store(sink, i2, 32);
      i3 = Q.dot32(i3, la, lb, p8 + 32 + 3 * x8s, p16 + 64 + 3 * x16s, s);
      v128.store(sink, i3, 48);
      qa = v128.load(blk, 48);
      qb = v128.load(blk, 64);
      la = v128.and(qa, m4);
      lb = v128.and(qb, m4);
      s = i8x16.shuffle(sc, sc, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5);
      i0 = Q.dot32(i0, la, lb, p8 + 64, p16 + 128, s);
      v128.store(sink, i0, 0);
      i1 = Q.dot32(i1, la, lb, p8 + 64 + x8s, p16 + 128 + x16s, s);
      v128.store(sink, i1, 16);
      i2 = Q.dot32(i2, la, lb, p8 + 64 + 2 * x8s, p16 + 128 + 2 * x16s, s);
      v128.store(sink, i2, 32);
      i3 = Q.dot32(i3, la, lb, p8 + 64 + 3 * x8s, p16 + 128 + 3 * x16s, s);
      v128.store(sink, i3, 48);
      la = v128.and(i16x8.shr_u(qa, 4), m4);
      lb = v128.and(i16x8.shr_u(qb, 4), m4);
      s = i8x16.shuffle(sc, sc, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7);
      i0 = Q.dot32(i0, la, lb, p8 + 96, p16 + 192, s);
      v128.store(sink, i0, 0);
      i1 = Q.dot32(i1, la, lb, p8 + 96 + x8s, p16 + 192 + x16s, s);
      v128.store(sink, i1, 16);
      i2 = Q.dot32(i2, la, lb, p8 + 96 + 2 * x8s, p16 + 192 + 2 * x16s, s);
      v128.store(sink, i2, 32);
      i3 = Q.dot32(i3, la, lb, p8 + 96 + 3 * x8s, p16 + 192 + 3 * x16s, s);
      v128.store(sink, i3, 48);
      qa = v128.load(blk, 80);
      qb = v128.load(blk, 96);
      la = v128.and(qa, m4);
      lb = v128.and(qb, m4);
      s = i8x16.shuffle(sc, sc, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9);
      i0 = Q.dot32(i0, la, lb, p8 + 128, p16 + 256, s);
      v128.store(sink, i0, 0);
      i1 = Q.dot32(i1, la, lb, p8 + 128 + x8s, p16 + 256 + x16s, s);
      v128.store(sink, i1, 16);
      i2 = Q.dot32(i2, la, lb, p8 + 128 + 2 * x8s, p16 + 256 + 2 * x16s, s);
      v128.store(sink, i2, 32);
      i3 = Q.dot32(i3, la, lb, p8 + 128 + 3 * x8s, p16 + 256 + 3 * x16s, s);
      v128.store(sink, i3, 48);
      la = v128.and(i16x8.shr_u(qa, 4), m4);
      lb = v128.and(i16x8.shr_u(qb, 4), m4);
      s = i8x16.shuffle(sc, sc, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11);
      i0 = Q.dot32(i0, la, lb, p8 + 160, p16 + 320, s);
      v128.store(sink, i0, 0);
      i1 = Q.dot32(i1, la, lb, p8 + 160 + x8s, p16 + 320 + x16s, s);
      v128.store(sink, i1, 16);
      i2 = Q.dot32(i2, la, lb, p8 + 160 + 2 * x8s, p16 + 320 + 2 * x16s, s);
      v128.store(sink, i2, 32);
      i3 = Q.dot32(i3, la, lb, p8 + 160 + 3 * x8s, p16 + 320 + 3 * x16s, s);
      v128.store(sink, i3, 48);
      qa = v128.load(blk, 112);
      qb = v128.load(blk, 128);
      la = v128.and(qa, m4);
      lb = v128.and(qb, m4);
      s = i8x16.shuffle(sc, sc, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13);
      i0 = Q.dot32(i0, la, lb, p8 + 192, p16 + 384, s);
      v128.store(sink, i0, 0);
      i1 = Q.dot32(i1, la, lb, p8 + 192 + x8s, p16 + 384 + x16s, s);
      v128.store(sink, i1, 16);
      i2 = Q.dot32(i2, la, lb, p8 + 192 + 2 * x8s, p16 + 384 + 2 * x16s, s);
      v128.store(sink, i2, 32);
      i3 = Q.dot32(i3, la, lb, p8 + 192 + 3 * x8s, p16 + 384 + 3 * x16s, s);
      v128.store(sink, i3, 48);
      la = v128.and(i16x8.shr_u(qa, 4), m4);
      lb = v128.and(i16x8.shr_u(qb, 4), m4);
      s = i8x16.shuffle(sc, sc, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15);
      i0 = Q.dot32(i0, la, lb, p8 + 224, p16 + 448, s);
      v128.store(sink, i0, 0);
      i1 = Q.dot32(i1, la, lb, p8 + 224 + x8s, p16 + 448 + x16s, s);
      v128.store(sink, i1, 16);
      i2 = Q.dot32(i2, la, lb, p8 + 224 + 2 * x8s, p16 + 448 + 2 * x16s, s);
      v128.store(sink, i2, 32);
      i3 = Q.dot32(i3, la, lb, p8 + 224 + 3 * x8s, p16 + 448 + 3 * x16s, s);
      v128.store(sink, i3, 48);
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
