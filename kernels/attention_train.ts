// Training-time causal attention over whole sequences (grouped-query), saving the softmax
// probabilities: q, out [batch, T, nHead·hd]; k, v [batch, T, nKvHead·hd]; probs [batch, nHead, T, T].
// Forward: parallel over rows u = (b · nHead + h) · T + i. Backward: parallel over (b, kv head g),
// so each unit owns the dK/dV rows of its kv head and the dQ rows of the heads in its group.
//
// Both directions are a few small lower-triangular matrix products per head, each done by one
// register-tiled helper of attention_tiles.ts (scores, mulLower, mulLowerT).
import { mulLower, mulLowerT, scores } from './attention_tiles';
import { softmaxInPlace } from './norm';
import { expv, hsum, madd } from './simd';

/**
 * p[0..n) = softmax(p[0..n)), p[n..T) = 0. Whole lane quads: the last one is masked (whatever
 * its lanes ≥ n hold), so no scalar tails; rows whose last quad would pass T use softmaxInPlace.
 */
function softmaxRow(p: usize, n: i32, T: i32): void {
  const n4 = (n + 3) & ~3;
  let j = n;
  if (n4 > T) {
    softmaxInPlace(p, n);
  } else {
    const last = <usize>(n4 - 4) * 4;
    const keep = i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(n + 4 - n4));
    const ninf = f32x4.splat(-Infinity);
    let mv = v128.bitselect(v128.load(p + last), ninf, keep);
    for (let o: usize = 0; o < last; o += 16) mv = f32x4.pmax(mv, v128.load(p + o));
    mv = f32x4.pmax(mv, v128.shuffle<f32>(mv, mv, 2, 3, 0, 1));
    mv = f32x4.pmax(mv, v128.shuffle<f32>(mv, mv, 1, 0, 3, 2));
    let sum = f32x4.splat(0);
    for (let o: usize = 0; o < last; o += 16) {
      const e = expv(f32x4.sub(v128.load(p + o), mv));
      v128.store(p + o, e);
      sum = f32x4.add(sum, e);
    }
    const e = v128.and(expv(f32x4.sub(v128.load(p + last), mv)), keep);
    v128.store(p + last, e);
    const inv = f32x4.splat(<f32>1 / hsum(f32x4.add(sum, e)));
    for (let o: usize = 0; o <= last; o += 16) v128.store(p + o, f32x4.mul(v128.load(p + o), inv));
    j = n4;
  }
  for (; j + 4 <= T; j += 4) v128.store(p + <usize>j * 4, f32x4.splat(0));
  for (; j < T; j++) store<f32>(p + <usize>j * 4, 0);
}

export function attention_train_fwd(
  out: usize,
  probs: usize,
  q: usize,
  k: usize,
  v: usize,
  T: i32,
  nHead: i32,
  nKvHead: i32,
  hd: i32,
  scale: f32,
  r0: i32,
  r1: i32,
): void {
  const group = nHead / nKvHead;
  const qs = <usize>nHead * <usize>hd * 4;
  const ks = <usize>nKvHead * <usize>hd * 4;
  const ps = <usize>T * 4;
  let u = r0;
  while (u < r1) {
    // The rows [i0, i1) of head (b, h) inside this range.
    const bh = u / T;
    const i0 = u - bh * T;
    const i1 = min(T, i0 + (r1 - u));
    const h = bh % nHead;
    const b = bh / nHead;
    const g = h / group;
    const qb = q + <usize>b * <usize>T * qs + <usize>h * <usize>hd * 4;
    const ob = out + <usize>b * <usize>T * qs + <usize>h * <usize>hd * 4;
    const kb = k + <usize>b * <usize>T * ks + <usize>g * <usize>hd * 4;
    const vb = v + <usize>b * <usize>T * ks + <usize>g * <usize>hd * 4;
    const pb = probs + (<usize>bh * <usize>T + <usize>i0) * ps; // [i1 − i0, T]
    scores(pb, ps, qb, qs, kb, ks, T, i0, i1, hd, scale);
    for (let i = i0; i < i1; i++) softmaxRow(pb + <usize>(i - i0) * ps, i + 1, T);
    mulLower(ob, qs, pb, ps, vb, ks, i0, i1, hd);
    u += i1 - i0;
  }
}

/**
 * dS[i][j] = scale · P[i][j] · (dP[i][j] − Σ_j' P[i][j'] dP[i][j']) for j ≤ i, in place over dP
 * (rows [i0, i1), S at row i0, P at row i0).
 */
function softmaxBackwardRows(S: usize, P: usize, ss: usize, i0: i32, i1: i32, scale: f32): void {
  for (let i = i0; i < i1; i++) {
    const s = S + <usize>(i - i0) * ss;
    const p = P + <usize>(i - i0) * ss;
    const n = i + 1;
    let acc = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= n; j += 4) acc = madd(v128.load(p + <usize>j * 4), v128.load(s + <usize>j * 4), acc);
    let rs =
      f32x4.extract_lane(acc, 0) +
      f32x4.extract_lane(acc, 1) +
      (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
    for (; j < n; j++) rs += load<f32>(p + <usize>j * 4) * load<f32>(s + <usize>j * 4);
    const vd = f32x4.splat(rs);
    const vs = f32x4.splat(scale);
    j = 0;
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j * 4;
      v128.store(s + o, f32x4.mul(f32x4.mul(v128.load(p + o), f32x4.sub(v128.load(s + o), vd)), vs));
    }
    for (; j < n; j++) {
      const o = <usize>j * 4;
      store<f32>(s + o, load<f32>(p + o) * (load<f32>(s + o) - rs) * scale);
    }
  }
}

/** Query rows per block of the backward: 16 to T rows all run at about the same speed. */
const BWD_ROWS: i32 = 32;

/** Per-thread scratch bytes (scratchStride) for attention_train_bwd at sequence length T. */
export function attention_train_bwd_scratch_bytes(T: i32): i32 {
  return ((min(T, BWD_ROWS) * T * 4 + 64 + 63) / 64) * 64;
}

/**
 * Units u = b · nKvHead + g. `scratch` + tid · scratchStride holds dP/dS for a block of query
 * rows ([rows, T] f32, rows = scratchStride / (4T), at least 1; see attention_train_bwd_scratch_bytes).
 * Smaller blocks stay correct but slow down: each block makes one more pass over dK and dV, and
 * a block of fewer than 4 rows repeats rows to fill the 4-row tiles.
 */
export function attention_train_bwd(
  dq: usize,
  dk: usize,
  dv: usize,
  dout: usize,
  probs: usize,
  q: usize,
  k: usize,
  v: usize,
  T: i32,
  nHead: i32,
  nKvHead: i32,
  hd: i32,
  scale: f32,
  scratch: usize,
  scratchStride: i32,
  tid: i32,
  r0: i32,
  r1: i32,
): void {
  const group = nHead / nKvHead;
  const qs = <usize>nHead * <usize>hd * 4;
  const ks = <usize>nKvHead * <usize>hd * 4;
  const ps = <usize>T * 4;
  if (T <= 0) return;
  const S = scratch + <usize>tid * <usize>scratchStride;
  const rows = max(1, min(T, scratchStride / (T * 4)));
  for (let u = r0; u < r1; u++) {
    const g = u % nKvHead;
    const b = u / nKvHead;
    const kvOff = <usize>b * <usize>T * ks + <usize>g * <usize>hd * 4;
    const dkb = dk + kvOff;
    const dvb = dv + kvOff;
    for (let j = 0; j < T; j++) {
      const o = <usize>j * ks;
      let d = 0;
      for (; d + 4 <= hd; d += 4) {
        v128.store(dkb + o + <usize>d * 4, f32x4.splat(0));
        v128.store(dvb + o + <usize>d * 4, f32x4.splat(0));
      }
      for (; d < hd; d++) {
        store<f32>(dkb + o + <usize>d * 4, 0);
        store<f32>(dvb + o + <usize>d * 4, 0);
      }
    }
    for (let h = g * group; h < (g + 1) * group; h++) {
      const qOff = <usize>b * <usize>T * qs + <usize>h * <usize>hd * 4;
      const pb = probs + (<usize>b * <usize>nHead + <usize>h) * <usize>T * ps;
      for (let i0 = 0; i0 < T; i0 += rows) {
        const i1 = min(T, i0 + rows);
        const pr = pb + <usize>i0 * ps;
        scores(S, ps, dout + qOff, qs, v + kvOff, ks, T, i0, i1, hd, 1); // dP = dO·Vᵀ
        softmaxBackwardRows(S, pr, ps, i0, i1, scale); // dS
        mulLower(dq + qOff, qs, S, ps, k + kvOff, ks, i0, i1, hd); // dQ = dS·K
        mulLowerT(dkb, ks, S, ps, q + qOff, qs, i0, i1, hd); // dK += dSᵀ·Q
        mulLowerT(dvb, ks, pr, ps, dout + qOff, qs, i0, i1, hd); // dV += Pᵀ·dO
      }
    }
  }
}
