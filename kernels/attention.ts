// Causal attention of new queries over a KV cache, grouped-query. Parallel over units of
// (token, block of kv heads); each thread keeps its scores in scratch + tid · scratchStride.
import { softmaxInPlace } from './norm';
import { hsum, madd } from './simd';

function dot(a: usize, b: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  let acc2 = acc;
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i * 4;
    acc = madd(v128.load(a + o), v128.load(b + o), acc);
    acc2 = madd(v128.load(a + o, 16), v128.load(b + o, 16), acc2);
  }
  let s = hsum(f32x4.add(acc, acc2));
  for (; i < n; i++) s += load<f32>(a + <usize>i * 4) * load<f32>(b + <usize>i * 4);
  return s;
}

// out[0..n) += p · v[0..n)
function axpy(out: usize, p: f32, v: usize, n: i32): void {
  const vp = f32x4.splat(p);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    v128.store(out + o, madd(vp, v128.load(v + o), v128.load(out + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    store<f32>(out + o, load<f32>(out + o) + p * load<f32>(v + o));
  }
}

/** Scores of q against 4 consecutive K rows (stride ks bytes), stored at s[0..4) · scale. */
function dot4(q: usize, k: usize, ks: usize, n: i32, scale: f32, s: usize): void {
  let a0 = f32x4.splat(0);
  let a1 = a0;
  let a2 = a0;
  let a3 = a0;
  const k1 = k + ks;
  const k2 = k1 + ks;
  const k3 = k2 + ks;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    const qv = v128.load(q + o);
    a0 = madd(qv, v128.load(k + o), a0);
    a1 = madd(qv, v128.load(k1 + o), a1);
    a2 = madd(qv, v128.load(k2 + o), a2);
    a3 = madd(qv, v128.load(k3 + o), a3);
  }
  let s0 = hsum(a0);
  let s1 = hsum(a1);
  let s2 = hsum(a2);
  let s3 = hsum(a3);
  for (; i < n; i++) {
    const o = <usize>i * 4;
    const qs = load<f32>(q + o);
    s0 += qs * load<f32>(k + o);
    s1 += qs * load<f32>(k1 + o);
    s2 += qs * load<f32>(k2 + o);
    s3 += qs * load<f32>(k3 + o);
  }
  store<f32>(s, s0 * scale);
  store<f32>(s, s1 * scale, 4);
  store<f32>(s, s2 * scale, 8);
  store<f32>(s, s3 * scale, 12);
}

/** out[0..n) += Σ_r p[r] · v_r[0..n) over 4 consecutive V rows (stride vs bytes). */
function axpy4(out: usize, p: usize, v: usize, vs: usize, n: i32): void {
  const p0 = f32x4.splat(load<f32>(p));
  const p1 = f32x4.splat(load<f32>(p, 4));
  const p2 = f32x4.splat(load<f32>(p, 8));
  const p3 = f32x4.splat(load<f32>(p, 12));
  const v1 = v + vs;
  const v2 = v1 + vs;
  const v3 = v2 + vs;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    let acc = madd(p0, v128.load(v + o), v128.load(out + o));
    acc = madd(p1, v128.load(v1 + o), acc);
    acc = madd(p2, v128.load(v2 + o), acc);
    v128.store(out + o, madd(p3, v128.load(v3 + o), acc));
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    let acc = load<f32>(out + o);
    acc += f32x4.extract_lane(p0, 0) * load<f32>(v + o);
    acc += f32x4.extract_lane(p1, 0) * load<f32>(v1 + o);
    acc += f32x4.extract_lane(p2, 0) * load<f32>(v2 + o);
    acc += f32x4.extract_lane(p3, 0) * load<f32>(v3 + o);
    store<f32>(out + o, acc);
  }
}

/**
 * Units u = t · nBlocks + blk: query token t with the heads of kv heads [blk·gb, blk·gb + gb)
 * (their GQA groups). Each K/V row is read once per unit, and the gb heads of a row are adjacent
 * in the cache, so a unit streams contiguous runs instead of one 4 KiB-strided slice per head.
 * Scores live in scratch + tid · scratchStride ([gb·group][ctx] f32).
 */
export function attention(
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
  const sc = scratch + <usize>tid * <usize>scratchStride;
  const group = nHead / nKvHead;
  const nBlocks = (nKvHead + gb - 1) / gb;
  const kvStride = <usize>nKvHead * <usize>headDim * 4;
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
    const kb = kc + <usize>g0 * hb + <usize>first * kvStride;
    const vb = vc + <usize>g0 * hb + <usize>first * kvStride;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const kr = kb + <usize>j * kvStride;
      for (let h = 0; h < heads; h++) {
        const kh = kr + <usize>(h / group) * hb;
        dot4(qr + <usize>h * hb, kh, kvStride, headDim, scale, sc + <usize>h * rowBytes + <usize>j * 4);
      }
    }
    for (; j < n; j++) {
      const kr = kb + <usize>j * kvStride;
      for (let h = 0; h < heads; h++) {
        const kh = kr + <usize>(h / group) * hb;
        store<f32>(sc + <usize>h * rowBytes + <usize>j * 4, dot(qr + <usize>h * hb, kh, headDim) * scale);
      }
    }
    for (let h = 0; h < heads; h++) softmaxInPlace(sc + <usize>h * rowBytes, n);
    for (let d = 0; d < heads * headDim; d++) store<f32>(orow + <usize>d * 4, 0);
    j = 0;
    for (; j + 4 <= n; j += 4) {
      const vr = vb + <usize>j * kvStride;
      for (let h = 0; h < heads; h++) {
        const vh = vr + <usize>(h / group) * hb;
        axpy4(orow + <usize>h * hb, sc + <usize>h * rowBytes + <usize>j * 4, vh, kvStride, headDim);
      }
    }
    for (; j < n; j++) {
      const vr = vb + <usize>j * kvStride;
      for (let h = 0; h < heads; h++) {
        const vh = vr + <usize>(h / group) * hb;
        axpy(orow + <usize>h * hb, load<f32>(sc + <usize>h * rowBytes + <usize>j * 4), vh, headDim);
      }
    }
  }
}
