// Q8_0 weights · Q8_0 activations (ggml's vec_dot_q8_0_q8_0), parallel over weight rows.
//
// Weight layout: g4 (src/backend/wasm/repack.ts). A row of K values is K/32 blocks; GGUF's block
// is d (f16), qs[32] (int8); in g4 each full group of 4 blocks is stored as d0..d3 (8 bytes), then
// qs0..qs3 (4 × 32 bytes), and the last K/32 mod 4 blocks stay GGUF blocks (34 bytes each).
// Activations: the planar Q8_0 layout of kernels/quant_act.ts.
// Per block the integer dot Σ w·x is exact (weights sign-extended to i16 straight from memory,
// i32x4.dot_i16x8_s with the q16 activation plane; exact for every int8 including −128) and
// scaled by d_w·d_x as ggml does. One token: blocks go 4 at a time, their sums reduced into one
// i32x4 (lane j = block j), converted once and multiplied by the 4 scales (one load16x4_s per
// group, widened in the loop by Q.f16lo, exact for the finite scales prepareQuantWeight admits;
// a separate scale pass measured slower from DRAM); pointers advance (with an index, V8 recomputed
// index × 34 and reloaded spilled values in every iteration: 17.2 → 20 GB/s per core from L2,
// 10.9 → 12.5 from DRAM); decode takes two rows per pass sharing the activation loads, the rows
// half the chunk apart (adjacent rows in one pass read slower from DRAM: two streams in one
// 4 KiB page defeat the prefetcher): 12.3 → 15.8 GB/s per core from DRAM. The products do not
// fit i16, so the 16-bit fold of the 4-bit kernels does not apply. Tiles of 4 tokens (a tile costs
// about 3 single tokens here, so only full tiles): a row's f16 scales are first widened into
// per-thread scratch, then each block is used for 4 tokens (per-block scaling); the remaining
// tokens run one at a time. Partial results are also stored to a per-thread sink to order the
// work (see quant_q4_0.ts).

import { Q, QK, QK_F16MSK, QK_F16MUL } from './quant_util';

// biome-ignore lint/complexity/noStaticOnlyClass: a class carries AssemblyScript's @inline decorators
class Q80 {
  /** Dot of a widened block (w0..w3) with a token's activations (i32x4 partial sums). */
  @inline static wdot(w0: v128, w1: v128, w2: v128, w3: v128, x16: usize): v128 {
    return i32x4.add(
      i32x4.add(i32x4.dot_i16x8_s(w0, v128.load(x16)), i32x4.dot_i16x8_s(w1, v128.load(x16, 16))),
      i32x4.add(i32x4.dot_i16x8_s(w2, v128.load(x16, 32)), i32x4.dot_i16x8_s(w3, v128.load(x16, 48))),
    );
  }

  /** One weight row · one token; dw: the row's f32 scales. */
  @inline static row1(wr: usize, nb: i32, x16: usize, d: usize, dw: usize): f32 {
    const sink = dw + ((<usize>nb * 4 + 63) & ~63);
    const fm = v128.load(QK, QK_F16MSK);
    const fx = v128.load(QK, QK_F16MUL);
    let acc = f32x4.splat(0);
    let b = nb & ~3;
    // pointers advance (an index times 34 is recomputed in every iteration by V8)
    let wb = wr;
    let p = x16;
    let dp = d;
    const end = wr + <usize>b * 34;
    for (; wb < end; wb += 136) {
      // g4: the 4 scales at wb, block j's quants at wb + 8 + 32j (q8dot reads at +2).
      const i0 = Q.q8dotAt(wb + 6, p);
      v128.store(sink, i0);
      const i1 = Q.q8dotAt(wb + 38, p + 64);
      v128.store(sink, i1, 16);
      const i2 = Q.q8dotAt(wb + 70, p + 128);
      v128.store(sink, i2, 32);
      const i3 = Q.q8dotAt(wb + 102, p + 192);
      v128.store(sink, i3, 48);
      const r = Q.red4(i0, i1, i2, i3);
      acc = Q.madd(
        f32x4.convert_i32x4_s(r),
        f32x4.mul(Q.f16lo(v128.load16x4_s(wb), fm, fx), v128.load(dp)),
        acc,
      );
      p += 256;
      dp += 16;
    }
    for (; b < nb; b++) {
      const o = <usize>b;
      const sc = Q.f16(load<u16>(wr + o * 34)) * load<f32>(d + (o << 2));
      acc = Q.madd(f32x4.convert_i32x4_s(Q.q8dotAt(wr + o * 34, x16 + (o << 6))), f32x4.splat(sc), acc);
    }
    return Q.hsum(acc);
  }

  /**
   * Two weight rows (wr, wr + rb) · one token, into o and o + oB: each activation load serves
   * both rows. Same arithmetic per row as row1 (bit-identical results).
   */
  @inline static row2(
    wr: usize,
    rb: usize,
    nb: i32,
    x16: usize,
    d: usize,
    dw: usize,
    o: usize,
    oB: usize,
    accum: i32,
  ): void {
    const sink = dw + ((<usize>nb * 4 + 63) & ~63);
    const fm = v128.load(QK, QK_F16MSK);
    const fx = v128.load(QK, QK_F16MUL);
    let accA = f32x4.splat(0);
    let accB = accA;
    let b = nb & ~3;
    let wa = wr;
    let p = x16;
    let dp = d;
    const end = wr + <usize>b * 34;
    for (; wa < end; wa += 136) {
      const wb = wa + rb;
      let x0 = v128.load(p);
      let x1 = v128.load(p, 16);
      let x2 = v128.load(p, 32);
      let x3 = v128.load(p, 48);
      const a0 = Q.q8dot(wa + 6, x0, x1, x2, x3);
      v128.store(sink, a0);
      const b0 = Q.q8dot(wb + 6, x0, x1, x2, x3);
      v128.store(sink, b0, 16);
      x0 = v128.load(p, 64);
      x1 = v128.load(p, 80);
      x2 = v128.load(p, 96);
      x3 = v128.load(p, 112);
      const a1 = Q.q8dot(wa + 38, x0, x1, x2, x3);
      v128.store(sink, a1, 32);
      const b1 = Q.q8dot(wb + 38, x0, x1, x2, x3);
      v128.store(sink, b1, 48);
      const ha = Q.red2(a0, a1);
      const hb = Q.red2(b0, b1);
      x0 = v128.load(p, 128);
      x1 = v128.load(p, 144);
      x2 = v128.load(p, 160);
      x3 = v128.load(p, 176);
      const a2 = Q.q8dot(wa + 70, x0, x1, x2, x3);
      v128.store(sink, a2);
      const b2 = Q.q8dot(wb + 70, x0, x1, x2, x3);
      v128.store(sink, b2, 16);
      x0 = v128.load(p, 192);
      x1 = v128.load(p, 208);
      x2 = v128.load(p, 224);
      x3 = v128.load(p, 240);
      const a3 = Q.q8dot(wa + 102, x0, x1, x2, x3);
      v128.store(sink, a3, 32);
      const b3 = Q.q8dot(wb + 102, x0, x1, x2, x3);
      v128.store(sink, b3, 48);
      const ja = Q.red2(a2, a3);
      const jb = Q.red2(b2, b3);
      const ra = Q.red22(ha, ja);
      const rbv = Q.red22(hb, jb);
      const dx = v128.load(dp);
      accA = Q.madd(f32x4.convert_i32x4_s(ra), f32x4.mul(Q.f16lo(v128.load16x4_s(wa), fm, fx), dx), accA);
      accB = Q.madd(f32x4.convert_i32x4_s(rbv), f32x4.mul(Q.f16lo(v128.load16x4_s(wb), fm, fx), dx), accB);
      p += 256;
      dp += 16;
    }
    for (; b < nb; b++) {
      const ob = <usize>b;
      const dx = load<f32>(d + (ob << 2));
      const pa = wr + ob * 34;
      const pb = pa + rb;
      const xp = x16 + (ob << 6);
      accA = Q.madd(f32x4.convert_i32x4_s(Q.q8dotAt(pa, xp)), f32x4.splat(Q.f16(load<u16>(pa)) * dx), accA);
      accB = Q.madd(f32x4.convert_i32x4_s(Q.q8dotAt(pb, xp)), f32x4.splat(Q.f16(load<u16>(pb)) * dx), accB);
    }
    Q.put(o, Q.hsum(accA), accum);
    Q.put(o + oB, Q.hsum(accB), accum);
  }

  /**
   * acc + the widened block's dot with one token, times the splat scale sc. The result is also
   * stored to `sink`: a store orders the work, so V8 does not hoist every load of the loop
   * body ahead of the arithmetic (which spills registers).
   */
  @inline static tok(
    acc: v128,
    w0: v128,
    w1: v128,
    w2: v128,
    w3: v128,
    x16: usize,
    sc: v128,
    sink: usize,
  ): v128 {
    const res = Q.madd(f32x4.convert_i32x4_s(Q80.wdot(w0, w1, w2, w3, x16)), sc, acc);
    v128.store(sink, res);
    return res;
  }

  /** One weight row · 4 tokens; token planes x16s / ds bytes apart; dw: the row's f32 scales. */
  @inline static row4(
    wr: usize,
    nb: i32,
    x16: usize,
    x16s: usize,
    d: usize,
    ds: usize,
    o: usize,
    os: usize,
    accum: i32,
    nt: i32,
    dw: usize,
  ): void {
    const sink = dw + ((<usize>nb * 4 + 63) & ~63);
    let a0 = f32x4.splat(0);
    let a1 = a0;
    let a2 = a0;
    let a3 = a0;
    let b = 0;
    for (; b + 4 <= nb; b += 4) {
      const ob = <usize>b;
      const H = v128.load(dw + (ob << 2));
      const dp = d + (ob << 2);
      const S0 = f32x4.mul(H, v128.load(dp));
      const S1 = f32x4.mul(H, v128.load(dp + ds));
      const S2 = f32x4.mul(H, v128.load(dp + 2 * ds));
      const S3 = f32x4.mul(H, v128.load(dp + 3 * ds));
      const p = x16 + (ob << 6);
      let wb = wr + ob * 34 + 6; // g4 layout: block j's quants at +8 + 32j
      let w0 = v128.load8x8_s(wb, 2);
      let w1 = v128.load8x8_s(wb, 10);
      let w2 = v128.load8x8_s(wb, 18);
      let w3 = v128.load8x8_s(wb, 26);
      a0 = Q80.tok(a0, w0, w1, w2, w3, p, i32x4.shuffle(S0, S0, 0, 0, 0, 0), sink);
      a1 = Q80.tok(a1, w0, w1, w2, w3, p + x16s, i32x4.shuffle(S1, S1, 0, 0, 0, 0), sink + 16);
      a2 = Q80.tok(a2, w0, w1, w2, w3, p + 2 * x16s, i32x4.shuffle(S2, S2, 0, 0, 0, 0), sink + 32);
      a3 = Q80.tok(a3, w0, w1, w2, w3, p + 3 * x16s, i32x4.shuffle(S3, S3, 0, 0, 0, 0), sink + 48);
      wb = wr + ob * 34 + 38;
      w0 = v128.load8x8_s(wb, 2);
      w1 = v128.load8x8_s(wb, 10);
      w2 = v128.load8x8_s(wb, 18);
      w3 = v128.load8x8_s(wb, 26);
      a0 = Q80.tok(a0, w0, w1, w2, w3, p + 64, i32x4.shuffle(S0, S0, 1, 1, 1, 1), sink);
      a1 = Q80.tok(a1, w0, w1, w2, w3, p + 64 + x16s, i32x4.shuffle(S1, S1, 1, 1, 1, 1), sink + 16);
      a2 = Q80.tok(a2, w0, w1, w2, w3, p + 64 + 2 * x16s, i32x4.shuffle(S2, S2, 1, 1, 1, 1), sink + 32);
      a3 = Q80.tok(a3, w0, w1, w2, w3, p + 64 + 3 * x16s, i32x4.shuffle(S3, S3, 1, 1, 1, 1), sink + 48);
      wb = wr + ob * 34 + 70;
      w0 = v128.load8x8_s(wb, 2);
      w1 = v128.load8x8_s(wb, 10);
      w2 = v128.load8x8_s(wb, 18);
      w3 = v128.load8x8_s(wb, 26);
      a0 = Q80.tok(a0, w0, w1, w2, w3, p + 128, i32x4.shuffle(S0, S0, 2, 2, 2, 2), sink);
      a1 = Q80.tok(a1, w0, w1, w2, w3, p + 128 + x16s, i32x4.shuffle(S1, S1, 2, 2, 2, 2), sink + 16);
      a2 = Q80.tok(a2, w0, w1, w2, w3, p + 128 + 2 * x16s, i32x4.shuffle(S2, S2, 2, 2, 2, 2), sink + 32);
      a3 = Q80.tok(a3, w0, w1, w2, w3, p + 128 + 3 * x16s, i32x4.shuffle(S3, S3, 2, 2, 2, 2), sink + 48);
      wb = wr + ob * 34 + 102;
      w0 = v128.load8x8_s(wb, 2);
      w1 = v128.load8x8_s(wb, 10);
      w2 = v128.load8x8_s(wb, 18);
      w3 = v128.load8x8_s(wb, 26);
      a0 = Q80.tok(a0, w0, w1, w2, w3, p + 192, i32x4.shuffle(S0, S0, 3, 3, 3, 3), sink);
      a1 = Q80.tok(a1, w0, w1, w2, w3, p + 192 + x16s, i32x4.shuffle(S1, S1, 3, 3, 3, 3), sink + 16);
      a2 = Q80.tok(a2, w0, w1, w2, w3, p + 192 + 2 * x16s, i32x4.shuffle(S2, S2, 3, 3, 3, 3), sink + 32);
      a3 = Q80.tok(a3, w0, w1, w2, w3, p + 192 + 3 * x16s, i32x4.shuffle(S3, S3, 3, 3, 3, 3), sink + 48);
    }
    for (; b < nb; b++) {
      const ob = <usize>b;
      const wb = wr + ob * 34;
      const w0 = v128.load8x8_s(wb, 2);
      const w1 = v128.load8x8_s(wb, 10);
      const w2 = v128.load8x8_s(wb, 18);
      const w3 = v128.load8x8_s(wb, 26);
      const h = load<f32>(dw + (ob << 2));
      const dp = d + (ob << 2);
      const p = x16 + (ob << 6);
      a0 = Q80.tok(a0, w0, w1, w2, w3, p, f32x4.splat(h * load<f32>(dp)), sink);
      a1 = Q80.tok(a1, w0, w1, w2, w3, p + x16s, f32x4.splat(h * load<f32>(dp + ds)), sink + 16);
      a2 = Q80.tok(a2, w0, w1, w2, w3, p + 2 * x16s, f32x4.splat(h * load<f32>(dp + 2 * ds)), sink + 32);
      a3 = Q80.tok(a3, w0, w1, w2, w3, p + 3 * x16s, f32x4.splat(h * load<f32>(dp + 3 * ds)), sink + 48);
    }
    Q.put4(o, os, nt, a0, a1, a2, a3, accum);
  }
}

/**
 * out[t][r] (+)= W[r] · x[t] for weight rows r in [r0, r1) and tokens t < m.
 * w: Q8_0 rows of K values; _q8/q16/d/_s: the Q8_0 activation planes (q8 and s unused here);
 * out: f32 with row stride ldo (elements); scratch: per-thread f32 scales, ceil64(4·K/32) + 128
 * bytes per thread, thread tid's at tid·that.
 */
export function quant_linear_q8_0(
  w: usize,
  K: i32,
  _q8: usize,
  q16: usize,
  d: usize,
  _s: usize,
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
  const rb = <usize>nb * 34;
  const x16s = <usize>K * 2;
  const ds = <usize>nb * 4;
  const os = <usize>ldo * 4;
  const dw = scratch + <usize>tid * (((<usize>nb * 4 + 63) & ~63) + 128);
  // Rows in L2-sized blocks (~192 KiB of weights), so every token tile re-reads them from L2
  // even when one call gets the whole row range.
  // (decode reads each row once: no blocking, so row pairs can be a whole chunk half apart)
  const rblk = m < 3 ? r1 - r0 : max<i32>(1, <i32>(196608 / <i32>rb));
  for (let q0 = r0; q0 < r1; q0 += rblk) {
    const q1 = min(r1, q0 + rblk);
    let t = 0;
    for (; t + 4 <= m; t += 4) {
      const nt = 4; // a 4-token tile costs ~3 single tokens here: tiles only when 4 remain
      const tt = <usize>t;
      for (let r = q0; r < q1; r++) {
        const wr = w + <usize>r * rb;
        Q.scalesG4(wr, nb, 34, dw);
        Q80.row4(
          wr,
          nb,
          q16 + tt * x16s,
          x16s,
          d + tt * ds,
          ds,
          out + tt * os + ((<usize>r) << 2),
          os,
          accumulate,
          nt,
          dw,
        );
      }
    }
    for (; t < m; t++) {
      const tt = <usize>t;
      // Pairs of rows half the range apart: two adjacent rows in one pass read 1.2x slower from
      // DRAM (two streams in one 4 KiB page defeat the hardware prefetcher), distant ones do not.
      const h = (q1 - q0) >> 1;
      for (let i = 0; i < h; i++) {
        const r = q0 + i;
        Q80.row2(
          w + <usize>r * rb,
          <usize>h * rb,
          nb,
          q16 + tt * x16s,
          d + tt * ds,
          dw,
          out + tt * os + ((<usize>r) << 2),
          (<usize>h) << 2,
          accumulate,
        );
      }
      let r = q0 + 2 * h;
      for (; r < q1; r++) {
        const wr = w + <usize>r * rb;
        Q.put(
          out + tt * os + ((<usize>r) << 2),
          Q80.row1(wr, nb, q16 + tt * x16s, d + tt * ds, dw),
          accumulate,
        );
      }
    }
  }
}
