// Q4_0 weights · Q8_0 activations (ggml's vec_dot_q4_0_q8_0), parallel over weight rows.
//
// Weight layout: g4t in the relaxed build, g4 in the portable one (src/backend/wasm/repack.ts). A row of K values is K/32 blocks: GGUF's block
// is d (f16), qs[16] (element j is the low nibble of qs[j], element j+16 the high nibble;
// value = nibble − 8); in g4t each full group of 4 blocks is stored as d0..d3 (8 bytes), then 4
// vectors of 16 bytes in which byte 4b + j of vector v holds values 8v + j (low nibble) and
// 8v + 4 + j (high nibble) of block b; the last K/32 mod 4 blocks stay GGUF blocks (18 bytes
// each). The activation planes of full groups are written in the same order (quant_act_q8_0 with
// perm = 1: the group's vector k holds values 4k .. 4k + 3 of each block).
// The unsigned nibbles (0..15) are valid i7 operands, so the relaxed build uses
// i16x8.relaxed_dot_i8x16_i7x16_s exactly; in g4t its lanes 2b and 2b + 1 hold block b's products,
// so the 4 vectors' dots add up as i16 (16 products per lane, |lane| ≤ 30480) and one
// dot_i16x8_s with ones gives [S0 S1 S2 S3] (Q40.sumT; GGUF order needed the lanes of 4 blocks
// folded, 9 more instructions per group: 15.8 → 17.7 GB/s per core from L2). The portable build
// keeps g4 (block b's quants in vector b, natural activation order): its widened i16 products of
// each block are folded across the 4 blocks (Q.red4w: lane j = block j); with g4t it measured
// 13% slower. Then the −8·Σx
// offsets (activation plane s) are added, converted once and multiplied by the 4 scales
// d_w·d_x, as ggml's sumi·d_w·d_x; the block sums are exact integers in every path and build.
// - one token (decode, row1): one pass over the row; a group's 4 f16 scales are loaded by one
//   load16x4_s and widened by Q.f16lo (3 instructions; exact for finite scales, which
//   prepareQuantWeight in src/backend/wasm/quant-linear.ts checks at upload); constants come
//   from the QK table (a v128.const costs ~3 instructions per use in V8); loads use immediate
//   offsets. Measured 1 thread, weights in L2: 9.2 → 11.1 GB/s. Tried and slower: a separate
//   scale pass; fewer sink stores; 8 blocks per iteration; an exact f16 conversion with its
//   constants in registers (register pressure). The g4 layout (4 scales in one load instead of
//   4 lane inserts): 11.4 → 12.1 GB/s per core from DRAM. Then two rows per pass (row2) sharing
//   the activation loads, the rows half the decode chunk apart: two ADJACENT rows per pass read
//   slower from DRAM (two streams in one 4 KiB page defeat the prefetcher), distant ones faster:
//   10.5 → 13.2 GB/s per core from DRAM, 13.6 → 15.7 from L2;
// - tiles of 4 tokens while ≥ 3 remain (prefill, small batches; the activation planes are padded
//   to 4 rows): a row's scales are first widened into per-thread scratch, then each unpacked
//   group of blocks serves 4 tokens (row4); the last 1-2 tokens run one at a time (row1).
// Stores of partial results to a per-thread "sink" order the work: without them V8 hoists every
// load of a loop body ahead of the arithmetic and spills registers (measured 1.4x slower).
// Activations: the planar Q8_0 layout of kernels/quant_act.ts.

import { Q, QK, QK_F16MSK, QK_F16MUL, QK_M15, QK_ONE16 } from './quant_util';

// biome-ignore lint/complexity/noStaticOnlyClass: a class carries AssemblyScript's @inline decorators
class Q40 {
  @inline static lo(w: v128, m15: v128): v128 {
    return v128.and(w, m15);
  }

  @inline static hi(w: v128, m15: v128): v128 {
    return v128.and(i16x8.shr_u(w, 4), m15);
  }

  /** Nibble dot of one block (i32x4 partial sums, offset not applied); one: i16x8.splat(1). */
  @inline static bdot(lo: v128, hi: v128, x8: usize, x16: usize, one: v128): v128 {
    return Q.idot32(lo, hi, x8, x16, one);
  }

  /**
   * Relaxed build, g4t group: the 16-bit dot of transposed quant vector v (unpacked lo/hi) with
   * activation vectors 2v and 2v + 1 at x8 (x8 = the group's plane + 32v). Lane j holds products
   * of block j >> 1.
   */
  @inline static dotT(lo: v128, hi: v128, x8: usize): v128 {
    return i16x8.add(
      i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(x8), lo),
      i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(x8, 16), hi),
    );
  }

  /**
   * [S0, S1, S2, S3] (i32) from the 4 vectors of Q40.dotT: lanes 2j and 2j + 1 of their sum hold
   * block j (16 products each, |lane| ≤ 30480: no overflow).
   */
  @inline static sumT(i0: v128, i1: v128, i2: v128, i3: v128, one: v128): v128 {
    return i32x4.dot_i16x8_s(i16x8.add(i16x8.add(i0, i1), i16x8.add(i2, i3)), one);
  }

  /** Portable build (g4): 16-bit pair sums of one block (see Q.pair32), i16 activations at x16. */
  @inline static pairP(lo: v128, hi: v128, x16: usize): v128 {
    return Q.pair32(lo, hi, v128.load(x16), v128.load(x16, 16), v128.load(x16, 32), v128.load(x16, 48));
  }

  /**
   * acc + (block sums + offsets) · S for 4 blocks (unpacked l0/h0 .. l3/h3) and one token whose
   * planes start at this group (x8, x16, s); S: the 4 scales d_w·d_x.
   */
  @inline static grp(
    acc: v128,
    l0: v128,
    h0: v128,
    l1: v128,
    h1: v128,
    l2: v128,
    h2: v128,
    l3: v128,
    h3: v128,
    x8: usize,
    x16: usize,
    s: usize,
    S: v128,
    sink: usize,
    one: v128,
  ): v128 {
    // The stores order the work: without them V8 hoists every load of the body ahead of the
    // arithmetic and spills registers.
    let r: v128;
    if (ASC_FEATURE_RELAXED_SIMD) {
      const i0 = Q40.dotT(l0, h0, x8);
      v128.store(sink, i0);
      const i1 = Q40.dotT(l1, h1, x8 + 32);
      v128.store(sink, i1, 16);
      const i2 = Q40.dotT(l2, h2, x8 + 64);
      v128.store(sink, i2, 32);
      const i3 = Q40.dotT(l3, h3, x8 + 96);
      v128.store(sink, i3, 48);
      r = Q40.sumT(i0, i1, i2, i3, one);
    } else {
      const i0 = Q40.pairP(l0, h0, x16);
      v128.store(sink, i0);
      const i1 = Q40.pairP(l1, h1, x16 + 64);
      v128.store(sink, i1, 16);
      const i2 = Q40.pairP(l2, h2, x16 + 128);
      v128.store(sink, i2, 32);
      const i3 = Q40.pairP(l3, h3, x16 + 192);
      v128.store(sink, i3, 48);
      r = Q.red4w(i0, i1, i2, i3, one);
    }
    const res = Q.madd(f32x4.convert_i32x4_s(i32x4.add(r, v128.load(s))), S, acc);
    v128.store(sink, res, 64);
    return res;
  }

  /** acc + one block (unpacked lo/hi) for one token (planes at this block); sc: d_w·d_x. */
  @inline static one(
    acc: v128,
    lo: v128,
    hi: v128,
    x8: usize,
    x16: usize,
    s: usize,
    sc: f32,
    sink: usize,
    one: v128,
  ): v128 {
    const ia = i32x4.add(Q40.bdot(lo, hi, x8, x16, one), v128.load32_zero(s));
    v128.store(sink, ia);
    return Q.madd(f32x4.convert_i32x4_s(ia), f32x4.splat(sc), acc);
  }

  /**
   * One weight row · one token (dw: this thread's scratch; its sink follows the scales). Pointers
   * advance and every load uses an immediate offset (see Q.pair32).
   */
  @inline static row1(wr: usize, nb: i32, x8: usize, x16: usize, d: usize, s: usize, dw: usize): f32 {
    const sink = dw + ((<usize>nb * 4 + 63) & ~63);
    const m15 = v128.load(QK, QK_M15);
    const one = v128.load(QK, QK_ONE16);
    const fm = v128.load(QK, QK_F16MSK);
    const fx = v128.load(QK, QK_F16MUL);
    let acc = f32x4.splat(0);
    let wb = wr;
    let p8 = x8;
    let p16 = x16;
    let pd = d;
    let ps = s;
    const end4 = wr + <usize>(nb & ~3) * 18;
    for (; wb < end4; wb += 72) {
      const S = f32x4.mul(Q.f16lo(v128.load16x4_s(wb), fm, fx), v128.load(pd));
      let r: v128;
      if (ASC_FEATURE_RELAXED_SIMD) {
        const w0 = v128.load(wb, 8);
        const i0 = Q.pair32(
          v128.and(w0, m15),
          v128.and(i16x8.shr_u(w0, 4), m15),
          v128.load(p8, 0),
          v128.load(p8, 16),
          w0,
          w0,
        );
        v128.store(sink, i0, 0);
        const w1 = v128.load(wb, 24);
        const i1 = Q.pair32(
          v128.and(w1, m15),
          v128.and(i16x8.shr_u(w1, 4), m15),
          v128.load(p8, 32),
          v128.load(p8, 48),
          w1,
          w1,
        );
        v128.store(sink, i1, 16);
        const w2 = v128.load(wb, 40);
        const i2 = Q.pair32(
          v128.and(w2, m15),
          v128.and(i16x8.shr_u(w2, 4), m15),
          v128.load(p8, 64),
          v128.load(p8, 80),
          w2,
          w2,
        );
        v128.store(sink, i2, 32);
        const w3 = v128.load(wb, 56);
        const i3 = Q.pair32(
          v128.and(w3, m15),
          v128.and(i16x8.shr_u(w3, 4), m15),
          v128.load(p8, 96),
          v128.load(p8, 112),
          w3,
          w3,
        );
        v128.store(sink, i3, 48);
        r = Q40.sumT(i0, i1, i2, i3, one);
      } else {
        // g4 (portable build): block b in vector b, lanes folded across blocks
        const w0 = v128.load(wb, 8);
        const i0 = Q.pair32(
          v128.and(w0, m15),
          v128.and(i16x8.shr_u(w0, 4), m15),
          v128.load(p16, 0),
          v128.load(p16, 16),
          v128.load(p16, 32),
          v128.load(p16, 48),
        );
        v128.store(sink, i0, 0);
        const w1 = v128.load(wb, 24);
        const i1 = Q.pair32(
          v128.and(w1, m15),
          v128.and(i16x8.shr_u(w1, 4), m15),
          v128.load(p16, 64),
          v128.load(p16, 80),
          v128.load(p16, 96),
          v128.load(p16, 112),
        );
        v128.store(sink, i1, 16);
        const w2 = v128.load(wb, 40);
        const i2 = Q.pair32(
          v128.and(w2, m15),
          v128.and(i16x8.shr_u(w2, 4), m15),
          v128.load(p16, 128),
          v128.load(p16, 144),
          v128.load(p16, 160),
          v128.load(p16, 176),
        );
        v128.store(sink, i2, 32);
        const w3 = v128.load(wb, 56);
        const i3 = Q.pair32(
          v128.and(w3, m15),
          v128.and(i16x8.shr_u(w3, 4), m15),
          v128.load(p16, 192),
          v128.load(p16, 208),
          v128.load(p16, 224),
          v128.load(p16, 240),
        );
        v128.store(sink, i3, 48);
        r = Q.red4w(i0, i1, i2, i3, one);
      }
      acc = Q.madd(f32x4.convert_i32x4_s(i32x4.add(r, v128.load(ps))), S, acc);
      v128.store(sink, acc, 64);
      p8 += 128;
      p16 += 256;
      pd += 16;
      ps += 16;
    }
    for (let b = nb & ~3; b < nb; b++) {
      const o = <usize>b;
      const wq = wr + o * 18;
      const w = v128.load(wq, 2);
      const sc = Q.f16(load<u16>(wq)) * load<f32>(d + (o << 2));
      acc = Q40.one(
        acc,
        Q40.lo(w, m15),
        Q40.hi(w, m15),
        x8 + (o << 5),
        x16 + (o << 6),
        s + (o << 2),
        sc,
        sink,
        one,
      );
    }
    return Q.hsum(acc);
  }

  /** 16-bit pair sums of one block at wq (GGUF quants) with activations already loaded. */
  @inline static pairw(wq: usize, m15: v128, a0: v128, a1: v128, a2: v128, a3: v128): v128 {
    const w = v128.load(wq);
    return Q.pair32(Q40.lo(w, m15), Q40.hi(w, m15), a0, a1, a2, a3);
  }

  /**
   * Two weight rows (wr, wr + rb) · one token into o and o + oB, each activation load serving
   * both rows; per row the same arithmetic as row1 (bit-identical). The decode driver pairs rows
   * half its range apart: two adjacent rows in one pass read ~1.2x slower from DRAM (two streams
   * in one 4 KiB page defeat the hardware prefetcher), distant ones faster than one row.
   */
  @inline static row2(
    wr: usize,
    rb: usize,
    nb: i32,
    x8: usize,
    x16: usize,
    d: usize,
    s: usize,
    dw: usize,
    o: usize,
    oB: usize,
    accum: i32,
  ): void {
    const sink = dw + ((<usize>nb * 4 + 63) & ~63);
    const m15 = v128.load(QK, QK_M15);
    const one = v128.load(QK, QK_ONE16);
    let accA = f32x4.splat(0);
    let accB = accA;
    let wa = wr;
    let p8 = x8;
    let p16 = x16;
    let pd = d;
    let ps = s;
    const end4 = wr + <usize>(nb & ~3) * 18;
    for (; wa < end4; wa += 72) {
      const wb = wa + rb;
      let ra: v128;
      let rbv: v128;
      if (ASC_FEATURE_RELAXED_SIMD) {
        let x0 = v128.load(p8, 0);
        let x1 = v128.load(p8, 16);
        const a0 = Q40.pairw(wa + 8, m15, x0, x1, x0, x1);
        v128.store(sink, a0, 0);
        const b0 = Q40.pairw(wb + 8, m15, x0, x1, x0, x1);
        v128.store(sink, b0, 16);
        x0 = v128.load(p8, 32);
        x1 = v128.load(p8, 48);
        const a1 = Q40.pairw(wa + 24, m15, x0, x1, x0, x1);
        v128.store(sink, a1, 32);
        const b1 = Q40.pairw(wb + 24, m15, x0, x1, x0, x1);
        v128.store(sink, b1, 48);
        const fa = i16x8.add(a0, a1);
        const fb = i16x8.add(b0, b1);
        x0 = v128.load(p8, 64);
        x1 = v128.load(p8, 80);
        const a2 = Q40.pairw(wa + 40, m15, x0, x1, x0, x1);
        v128.store(sink, a2, 0);
        const b2 = Q40.pairw(wb + 40, m15, x0, x1, x0, x1);
        v128.store(sink, b2, 16);
        x0 = v128.load(p8, 96);
        x1 = v128.load(p8, 112);
        const a3 = Q40.pairw(wa + 56, m15, x0, x1, x0, x1);
        v128.store(sink, a3, 32);
        const b3 = Q40.pairw(wb + 56, m15, x0, x1, x0, x1);
        v128.store(sink, b3, 48);
        ra = i32x4.dot_i16x8_s(i16x8.add(fa, i16x8.add(a2, a3)), one);
        rbv = i32x4.dot_i16x8_s(i16x8.add(fb, i16x8.add(b2, b3)), one);
      } else {
        // g4 (portable build): block b in vector b, lanes folded across blocks
        const y00 = v128.load(p16, 0);
        const y01 = v128.load(p16, 16);
        const y02 = v128.load(p16, 32);
        const y03 = v128.load(p16, 48);
        const c0 = Q40.pairw(wa + 8, m15, y00, y01, y02, y03);
        v128.store(sink, c0, 0);
        const d0 = Q40.pairw(wb + 8, m15, y00, y01, y02, y03);
        v128.store(sink, d0, 16);
        const y10 = v128.load(p16, 64);
        const y11 = v128.load(p16, 80);
        const y12 = v128.load(p16, 96);
        const y13 = v128.load(p16, 112);
        const c1 = Q40.pairw(wa + 24, m15, y10, y11, y12, y13);
        v128.store(sink, c1, 32);
        const d1 = Q40.pairw(wb + 24, m15, y10, y11, y12, y13);
        v128.store(sink, d1, 48);
        const y20 = v128.load(p16, 128);
        const y21 = v128.load(p16, 144);
        const y22 = v128.load(p16, 160);
        const y23 = v128.load(p16, 176);
        const c2 = Q40.pairw(wa + 40, m15, y20, y21, y22, y23);
        v128.store(sink, c2, 0);
        const d2 = Q40.pairw(wb + 40, m15, y20, y21, y22, y23);
        v128.store(sink, d2, 16);
        const y30 = v128.load(p16, 192);
        const y31 = v128.load(p16, 208);
        const y32 = v128.load(p16, 224);
        const y33 = v128.load(p16, 240);
        const c3 = Q40.pairw(wa + 56, m15, y30, y31, y32, y33);
        v128.store(sink, c3, 32);
        const d3 = Q40.pairw(wb + 56, m15, y30, y31, y32, y33);
        v128.store(sink, d3, 48);
        ra = i32x4.dot_i16x8_s(Q.fold22(Q.fold2(c0, c1), Q.fold2(c2, c3)), one);
        rbv = i32x4.dot_i16x8_s(Q.fold22(Q.fold2(d0, d1), Q.fold2(d2, d3)), one);
      }
      const off = v128.load(ps);
      const dx = v128.load(pd);
      ra = i32x4.add(ra, off);
      rbv = i32x4.add(rbv, off);
      const fm = v128.load(QK, QK_F16MSK);
      const fx = v128.load(QK, QK_F16MUL);
      accA = Q.madd(f32x4.convert_i32x4_s(ra), f32x4.mul(Q.f16lo(v128.load16x4_s(wa), fm, fx), dx), accA);
      v128.store(sink, accA, 64);
      accB = Q.madd(f32x4.convert_i32x4_s(rbv), f32x4.mul(Q.f16lo(v128.load16x4_s(wb), fm, fx), dx), accB);
      v128.store(sink, accB, 80);
      p8 += 128;
      p16 += 256;
      pd += 16;
      ps += 16;
    }
    for (let b = nb & ~3; b < nb; b++) {
      const ob = <usize>b;
      const dx = load<f32>(d + (ob << 2));
      const qa = wr + ob * 18;
      const qb = qa + rb;
      const wva = v128.load(qa, 2);
      const wvb = v128.load(qb, 2);
      const xp8 = x8 + (ob << 5);
      const xp16 = x16 + (ob << 6);
      const sp = s + (ob << 2);
      const sa = Q.f16(load<u16>(qa)) * dx;
      const sb = Q.f16(load<u16>(qb)) * dx;
      accA = Q40.one(accA, Q40.lo(wva, m15), Q40.hi(wva, m15), xp8, xp16, sp, sa, sink, one);
      accB = Q40.one(accB, Q40.lo(wvb, m15), Q40.hi(wvb, m15), xp8, xp16, sp, sb, sink, one);
    }
    Q.put(o, Q.hsum(accA), accum);
    Q.put(o + oB, Q.hsum(accB), accum);
  }

  /** One weight row · 4 tokens; token planes x8s / x16s / ds bytes apart (d and s alike). */
  @inline static row4(
    wr: usize,
    nb: i32,
    x8: usize,
    x8s: usize,
    x16: usize,
    x16s: usize,
    d: usize,
    s: usize,
    ds: usize,
    o: usize,
    os: usize,
    accum: i32,
    nt: i32,
    dwp: usize,
  ): void {
    const sink = dwp + ((<usize>nb * 4 + 63) & ~63);
    const m15 = v128.load(QK, QK_M15);
    const one = v128.load(QK, QK_ONE16);
    let a0 = f32x4.splat(0);
    let a1 = a0;
    let a2 = a0;
    let a3 = a0;
    let b = 0;
    for (; b + 4 <= nb; b += 4) {
      const ob = <usize>b;
      const wb = wr + ob * 18;
      const H = v128.load(dwp + (ob << 2));
      let w = v128.load(wb, 8);
      const l0 = Q40.lo(w, m15);
      const h0 = Q40.hi(w, m15);
      w = v128.load(wb, 24);
      const l1 = Q40.lo(w, m15);
      const h1 = Q40.hi(w, m15);
      w = v128.load(wb, 40);
      const l2 = Q40.lo(w, m15);
      const h2 = Q40.hi(w, m15);
      w = v128.load(wb, 56);
      const l3 = Q40.lo(w, m15);
      const h3 = Q40.hi(w, m15);
      const p8 = x8 + (ob << 5);
      const p16 = x16 + (ob << 6);
      const dp = d + (ob << 2);
      const ps = s + (ob << 2);
      a0 = Q40.grp(a0, l0, h0, l1, h1, l2, h2, l3, h3, p8, p16, ps, f32x4.mul(H, v128.load(dp)), sink, one);
      a1 = Q40.grp(
        a1,
        l0,
        h0,
        l1,
        h1,
        l2,
        h2,
        l3,
        h3,
        p8 + x8s,
        p16 + x16s,
        ps + ds,
        f32x4.mul(H, v128.load(dp + ds)),
        sink,
        one,
      );
      a2 = Q40.grp(
        a2,
        l0,
        h0,
        l1,
        h1,
        l2,
        h2,
        l3,
        h3,
        p8 + 2 * x8s,
        p16 + 2 * x16s,
        ps + 2 * ds,
        f32x4.mul(H, v128.load(dp + 2 * ds)),
        sink,
        one,
      );
      a3 = Q40.grp(
        a3,
        l0,
        h0,
        l1,
        h1,
        l2,
        h2,
        l3,
        h3,
        p8 + 3 * x8s,
        p16 + 3 * x16s,
        ps + 3 * ds,
        f32x4.mul(H, v128.load(dp + 3 * ds)),
        sink,
        one,
      );
    }
    for (; b < nb; b++) {
      const ob = <usize>b;
      const wb = wr + ob * 18;
      const w = v128.load(wb, 2);
      const lo = Q40.lo(w, m15);
      const hi = Q40.hi(w, m15);
      const dw = load<f32>(dwp + (ob << 2));
      const p8 = x8 + (ob << 5);
      const p16 = x16 + (ob << 6);
      const ps = s + (ob << 2);
      const dp = d + (ob << 2);
      a0 = Q40.one(a0, lo, hi, p8, p16, ps, dw * load<f32>(dp), sink, one);
      a1 = Q40.one(a1, lo, hi, p8 + x8s, p16 + x16s, ps + ds, dw * load<f32>(dp + ds), sink, one);
      a2 = Q40.one(
        a2,
        lo,
        hi,
        p8 + 2 * x8s,
        p16 + 2 * x16s,
        ps + 2 * ds,
        dw * load<f32>(dp + 2 * ds),
        sink,
        one,
      );
      a3 = Q40.one(
        a3,
        lo,
        hi,
        p8 + 3 * x8s,
        p16 + 3 * x16s,
        ps + 3 * ds,
        dw * load<f32>(dp + 3 * ds),
        sink,
        one,
      );
    }
    Q.put4(o, os, nt, a0, a1, a2, a3, accum);
  }
}

/**
 * out[t][r] (+)= W[r] · x[t] for weight rows r in [r0, r1) and tokens t < m.
 * w: Q4_0 rows of K values; q8/q16/d/s: the Q8_0 activation planes; out: f32, row stride ldo;
 * scratch: per-thread f32 scales, ceil64(4·K/32) + 128 bytes per thread, thread tid's at tid·that.
 */
export function quant_linear_q4_0(
  w: usize,
  K: i32,
  q8: usize,
  q16: usize,
  d: usize,
  s: usize,
  m: i32,
  out: usize,
  ldo: i32,
  accumulate: i32,
  scratch: usize,
  tid: i32,
  r0: i32,
  r1: i32,
): void {
  const nb = K >> 5;
  const rb = <usize>nb * 18;
  const dw = scratch + <usize>tid * (((<usize>nb * 4 + 63) & ~63) + 128); // this thread's f32 weight scales
  const x8s = <usize>K;
  const x16s = <usize>K * 2;
  const ds = <usize>nb * 4;
  const os = <usize>ldo * 4;
  // Rows in L2-sized blocks (~192 KiB of weights), so every token tile re-reads them from L2
  // even when one call gets the whole row range.
  // (decode reads each row once: no blocking, so row pairs can be a whole chunk half apart)
  const rblk = m < 3 ? r1 - r0 : max<i32>(1, <i32>(196608 / <i32>rb));
  for (let q0 = r0; q0 < r1; q0 += rblk) {
    const q1 = min(r1, q0 + rblk);
    let t = 0;
    for (; t + 3 <= m; t += 4) {
      const nt = min(4, m - t); // 3..4 real tokens (planes padded to 4, see quant-linear.ts)
      const tt = <usize>t;
      for (let r = q0; r < q1; r++) {
        const o = out + tt * os + ((<usize>r) << 2);
        const wr = w + <usize>r * rb;
        Q.scalesG4(wr, nb, 18, dw);
        Q40.row4(
          wr,
          nb,
          q8 + tt * x8s,
          x8s,
          q16 + tt * x16s,
          x16s,
          d + tt * ds,
          s + tt * ds,
          ds,
          o,
          os,
          accumulate,
          nt,
          dw,
        );
      }
    }
    for (; t < m; t++) {
      const tt = <usize>t;
      // pairs of rows half the range apart (see row2), then the odd row alone
      const h = (q1 - q0) >> 1;
      for (let i = 0; i < h; i++) {
        const r = q0 + i;
        Q40.row2(
          w + <usize>r * rb,
          <usize>h * rb,
          nb,
          q8 + tt * x8s,
          q16 + tt * x16s,
          d + tt * ds,
          s + tt * ds,
          dw,
          out + tt * os + ((<usize>r) << 2),
          (<usize>h) << 2,
          accumulate,
        );
      }
      for (let r = q0 + 2 * h; r < q1; r++) {
        const wr = w + <usize>r * rb;
        const v = Q40.row1(wr, nb, q8 + tt * x8s, q16 + tt * x16s, d + tt * ds, s + tt * ds, dw);
        Q.put(out + tt * os + ((<usize>r) << 2), v, accumulate);
      }
    }
  }
}
