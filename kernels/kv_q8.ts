// The Q8_0 KV cache: row writes and causal attention over Q8_0 K and V rows, value-exact with the
// JS reference (src/backend/js/attention-q8.ts) up to the softmax and the V accumulation.
//
// Cache rows are ggml Q8_0 blocks (34 bytes: f16 d, 32 int8), quantized with ggml's CPU
// from_float (x86 quantize_row_q8_0: d = amax/127, q = round-half-even(x · 127/amax)), which is
// what llama.cpp's set_rows uses for a q8_0 cache. Attention follows llama.cpp's CPU
// flash-attention path: each query head row is quantized the same way (into an i16 plane + f32
// f16-rounded scales in scratch), K·q is vec_dot_q8_0_q8_0 (exact int dot per block, then
// sumf += f32(sumi) · (d_k · d_q) block by block in f32, the same order as the reference, so the
// scores are bit-exact), V rows are dequantized (f32(q) · d, exact) and accumulated in f32.

import { softmaxInPlace } from './norm';
import { Q, qroundF16 } from './quant_util';
import { f32ToF16, madd } from './simd';

// biome-ignore lint/complexity/noStaticOnlyClass: a class carries AssemblyScript's @inline decorators
class KV {
  /** ggml's nearest_int (half to even) of integer-range floats, per lane (|v| < 2^22). */
  @inline static toInt(v: v128): v128 {
    return i32x4.sub(f32x4.add(v, f32x4.splat(12582912.0)), i32x4.splat(0x4b400000));
  }

  /** max |x| over the 32 f32 at x. */
  @inline static amax32(x: usize): f32 {
    const a = i32x4.splat(0x7fffffff);
    let m = i32x4.max_s(v128.and(v128.load(x), a), v128.and(v128.load(x, 16), a));
    m = i32x4.max_s(m, i32x4.max_s(v128.and(v128.load(x, 32), a), v128.and(v128.load(x, 48), a)));
    m = i32x4.max_s(m, i32x4.max_s(v128.and(v128.load(x, 64), a), v128.and(v128.load(x, 80), a)));
    m = i32x4.max_s(m, i32x4.max_s(v128.and(v128.load(x, 96), a), v128.and(v128.load(x, 112), a)));
    m = i32x4.max_s(m, i32x4.shuffle(m, m, 2, 3, 0, 1));
    m = i32x4.max_s(m, i32x4.shuffle(m, m, 1, 0, 3, 2));
    return f32x4.extract_lane(m, 0);
  }

  /** The 32 quants of the block at x as 4 × i16x8 stored at q16 (64 bytes); returns d. */
  @inline static quant32(x: usize, q16: usize): f32 {
    const amax = KV.amax32(x);
    const d: f32 = amax / 127.0;
    const idv = f32x4.splat(amax !== 0 ? <f32>127.0 / amax : 0);
    for (let k: usize = 0; k < 4; k++) {
      const lo = KV.toInt(f32x4.mul(v128.load(x + k * 32), idv));
      const hi = KV.toInt(f32x4.mul(v128.load(x + k * 32, 16), idv));
      v128.store(q16 + k * 16, i16x8.narrow_i32x4_s(lo, hi));
    }
    return d;
  }

  /** Lane sum of an i32x4 (exact). */
  @inline static isum(s: v128): i32 {
    return (
      i32x4.extract_lane(s, 0) +
      i32x4.extract_lane(s, 1) +
      i32x4.extract_lane(s, 2) +
      i32x4.extract_lane(s, 3)
    );
  }

  /**
   * vec_dot_q8_0_q8_0 of a K head row (nb blocks at k) with one quantized q head (i16 plane q16),
   * block scale products at ds (stride dss bytes): Σ in block order of f32(sumi) · (d_k · d_q).
   */
  @inline static dot1(k: usize, q16: usize, ds: usize, dss: usize, nb: i32): f32 {
    let sumf: f32 = 0;
    for (let b = 0; b < nb; b++) {
      const o = <usize>b;
      sumf += <f32>KV.isum(Q.q8dotAt(k + o * 34, q16 + (o << 6))) * load<f32>(ds + o * dss);
    }
    return sumf;
  }

  /** Lanes 0..3 (lo) and 4..7 (hi) of 8 widened int8 quants (i16x8 w) as f32 times d. */
  @inline static lo(w: v128, dv: v128): v128 {
    return f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(w)), dv);
  }

  @inline static hi(w: v128, dv: v128): v128 {
    return f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(w)), dv);
  }

  /** out[0..32) += p · v for 8 dequantized f32x4 vectors. */
  @inline static axpy32(
    out: usize,
    pv: v128,
    v0: v128,
    v1: v128,
    v2: v128,
    v3: v128,
    v4: v128,
    v5: v128,
    v6: v128,
    v7: v128,
  ): void {
    v128.store(out, madd(pv, v0, v128.load(out)));
    v128.store(out, madd(pv, v1, v128.load(out, 16)), 16);
    v128.store(out, madd(pv, v2, v128.load(out, 32)), 32);
    v128.store(out, madd(pv, v3, v128.load(out, 48)), 48);
    v128.store(out, madd(pv, v4, v128.load(out, 64)), 64);
    v128.store(out, madd(pv, v5, v128.load(out, 80)), 80);
    v128.store(out, madd(pv, v6, v128.load(out, 96)), 96);
    v128.store(out, madd(pv, v7, v128.load(out, 112)), 112);
  }
}

/** Quantizes blocks [b0, b1) of the f32 values at src (32 per block) to Q8_0 blocks at dst. */
export function kv_quant_q8_0(src: usize, dst: usize, b0: i32, b1: i32): void {
  for (let b = b0; b < b1; b++) {
    const x = src + ((<usize>b) << 7);
    const y = dst + <usize>b * 34;
    const amax = KV.amax32(x);
    const d: f32 = amax / 127.0;
    const idv = f32x4.splat(amax !== 0 ? <f32>127.0 / amax : 0);
    store<u16>(y, <u16>f32ToF16(d));
    for (let k: usize = 0; k < 2; k++) {
      const xo = x + k * 64;
      const h0 = i16x8.narrow_i32x4_s(
        KV.toInt(f32x4.mul(v128.load(xo), idv)),
        KV.toInt(f32x4.mul(v128.load(xo, 16), idv)),
      );
      const h1 = i16x8.narrow_i32x4_s(
        KV.toInt(f32x4.mul(v128.load(xo, 32), idv)),
        KV.toInt(f32x4.mul(v128.load(xo, 48), idv)),
      );
      v128.store(y + 2 + k * 16, i8x16.narrow_i16x8_s(h0, h1));
    }
  }
}

/**
 * Attention over Q8_0 caches: the unit scheme of kernels/attention.ts (u = t · nBlocks + blk:
 * query token t with the query heads of kv heads [blk·gb, blk·gb + gb)). kc/vc: the layer's
 * first cache row (byte addresses). Per-thread scratch (scratch + tid · scratchStride):
 * q16 i16 [gb·group][headDim] | dq f32 [gb·group][headDim/32] | ds f32 [headDim/32][gb·group]
 * | (16-aligned) scores f32 [gb·group][ctx].
 */
export function attention_q8_0(
  out: usize,
  q: usize,
  kc: usize,
  vc: usize,
  nHead: i32,
  nKvHead: i32,
  headDim: i32,
  pos0: i32,
  scale: f32,
  qStride: i32,
  outStride: i32,
  window: i32,
  gb: i32,
  scratch: usize,
  scratchStride: i32,
  tid: i32,
  r0: i32,
  r1: i32,
): void {
  const group = nHead / nKvHead;
  const nBlocks = (nKvHead + gb - 1) / gb;
  const nb = headDim >> 5;
  const maxHeads = <usize>(gb * group);
  const q16 = scratch + <usize>tid * <usize>scratchStride;
  const dq = q16 + maxHeads * <usize>headDim * 2;
  const ds = dq + maxHeads * <usize>nb * 4; // f32 [nb][heads]: d_k · d_q of the current row
  const sc = (ds + maxHeads * <usize>nb * 4 + 15) & ~15;
  const headB = <usize>nb * 34; // bytes of one kv head in a cache row
  const rowB = <usize>nKvHead * headB; // bytes of one cache row
  const hb = <usize>headDim * 4;
  for (let u = r0; u < r1; u++) {
    const t = u / nBlocks;
    const g0 = (u - t * nBlocks) * gb;
    const g1 = min(nKvHead, g0 + gb);
    const heads = (g1 - g0) * group; // consecutive query heads h0 .. h0 + heads
    const h0 = g0 * group;
    const last = pos0 + t;
    const first = window > 0 ? max(0, last - window + 1) : 0;
    const n = last - first + 1;
    const rowBytes = <usize>n * 4;
    const qr = q + (<usize>t * <usize>qStride + <usize>h0 * <usize>headDim) * 4;
    const orow = out + (<usize>t * <usize>outStride + <usize>h0 * <usize>headDim) * 4;
    // Quantize the unit's query head rows.
    for (let h = 0; h < heads; h++) {
      const xh = qr + <usize>h * hb;
      const qh = q16 + <usize>h * <usize>headDim * 2;
      const dh = dq + <usize>h * <usize>nb * 4;
      for (let b = 0; b < nb; b++) {
        const d = KV.quant32(xh + ((<usize>b) << 7), qh + ((<usize>b) << 6));
        store<f32>(dh + ((<usize>b) << 2), qroundF16(d));
      }
    }
    // Scores. Per row: the scale products d_k · d_q of every (block, head) into ds, then heads
    // 4 at a time: per block the 4 integer dots are reduced in one vector and each lane adds its
    // f32(sumi) · (d_k · d_q) in block order (the reference's order, so scores are bit-exact).
    const kb = kc + <usize>g0 * headB + <usize>first * rowB;
    const dss = <usize>heads * 4;
    const sv = f32x4.splat(scale);
    for (let j = 0; j < n; j++) {
      const kr = kb + <usize>j * rowB;
      for (let g = 0; g < g1 - g0; g++) {
        const kh = kr + <usize>g * headB;
        for (let b = 0; b < nb; b++) {
          const dkb = Q.f16(load<u16>(kh + <usize>b * 34));
          for (let i = 0; i < group; i++) {
            const h = <usize>(g * group + i);
            store<f32>(ds + <usize>b * dss + h * 4, dkb * load<f32>(dq + (h * <usize>nb + <usize>b) * 4));
          }
        }
      }
      let h = 0;
      for (; h + 4 <= heads; h += 4) {
        const k0 = kr + <usize>(h / group) * headB;
        const k1 = kr + <usize>((h + 1) / group) * headB;
        const k2 = kr + <usize>((h + 2) / group) * headB;
        const k3 = kr + <usize>((h + 3) / group) * headB;
        const qh = q16 + <usize>h * <usize>headDim * 2;
        const qs = <usize>headDim * 2;
        let acc = f32x4.splat(0);
        for (let b = 0; b < nb; b++) {
          const ko = <usize>b * 34;
          const qo = qh + ((<usize>b) << 6);
          const r = Q.red4(
            Q.q8dotAt(k0 + ko, qo),
            Q.q8dotAt(k1 + ko, qo + qs),
            Q.q8dotAt(k2 + ko, qo + 2 * qs),
            Q.q8dotAt(k3 + ko, qo + 3 * qs),
          );
          const pr = f32x4.mul(f32x4.convert_i32x4_s(r), v128.load(ds + <usize>b * dss + <usize>h * 4));
          acc = f32x4.add(acc, pr);
        }
        acc = f32x4.mul(acc, sv);
        const so = sc + <usize>h * rowBytes + <usize>j * 4;
        store<f32>(so, f32x4.extract_lane(acc, 0));
        store<f32>(so + rowBytes, f32x4.extract_lane(acc, 1));
        store<f32>(so + 2 * rowBytes, f32x4.extract_lane(acc, 2));
        store<f32>(so + 3 * rowBytes, f32x4.extract_lane(acc, 3));
      }
      for (; h < heads; h++) {
        const kh = kr + <usize>(h / group) * headB;
        const s = KV.dot1(kh, q16 + <usize>h * <usize>headDim * 2, ds + <usize>h * 4, dss, nb);
        store<f32>(sc + <usize>h * rowBytes + <usize>j * 4, s * scale);
      }
    }
    for (let h = 0; h < heads; h++) softmaxInPlace(sc + <usize>h * rowBytes, n);
    for (let d = 0; d < heads * headDim; d++) store<f32>(orow + <usize>d * 4, 0);
    // out += p · dequantized V, each V block widened once for the group's heads.
    const vb = vc + <usize>g0 * headB + <usize>first * rowB;
    for (let j = 0; j < n; j++) {
      const vr = vb + <usize>j * rowB;
      for (let g = 0; g < g1 - g0; g++) {
        const vh = vr + <usize>g * headB;
        for (let b = 0; b < nb; b++) {
          const blk = vh + <usize>b * 34;
          const dv = f32x4.splat(Q.f16(load<u16>(blk)));
          const w0 = v128.load8x8_s(blk, 2);
          const w1 = v128.load8x8_s(blk, 10);
          const w2 = v128.load8x8_s(blk, 18);
          const w3 = v128.load8x8_s(blk, 26);
          const v0 = KV.lo(w0, dv);
          const v1 = KV.hi(w0, dv);
          const v2 = KV.lo(w1, dv);
          const v3 = KV.hi(w1, dv);
          const v4 = KV.lo(w2, dv);
          const v5 = KV.hi(w2, dv);
          const v6 = KV.lo(w3, dv);
          const v7 = KV.hi(w3, dv);
          for (let k = 0; k < group; k++) {
            const h = g * group + k;
            const pv = f32x4.splat(load<f32>(sc + <usize>h * rowBytes + <usize>j * 4));
            KV.axpy32(orow + <usize>h * hb + ((<usize>b) << 7), pv, v0, v1, v2, v3, v4, v5, v6, v7);
          }
        }
      }
    }
  }
}
