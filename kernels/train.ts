// Training kernels: cross-entropy (forward and backward, parallel over rows), AdamW and the sum
// of squares (parallel over element ranges). AdamW computes in f32 as PyTorch does for f32
// parameters (and as the JS reference, bit for bit); Σx² accumulates in f64 lanes.
import { expv, hsum } from './simd';

/** max and Σ e^(x − max) of one row (exp in f32 lanes, sum combined in f64). */
function rowStats(x: usize, n: i32, out: usize): void {
  let mv = f32x4.splat(-Infinity);
  let i = 0;
  for (; i + 4 <= n; i += 4) mv = f32x4.pmax(mv, v128.load(x + <usize>i * 4));
  let mx = max(
    max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)),
    max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)),
  );
  for (; i < n; i++) mx = max(mx, load<f32>(x + <usize>i * 4));
  const vmx = f32x4.splat(mx);
  let s0 = f32x4.splat(0);
  let s1 = s0;
  i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = x + <usize>i * 4;
    s0 = f32x4.add(s0, expv(f32x4.sub(v128.load(o), vmx)));
    s1 = f32x4.add(s1, expv(f32x4.sub(v128.load(o, 16), vmx)));
  }
  let sum = <f64>hsum(f32x4.add(s0, s1));
  for (; i < n; i++) sum += <f64>f32x4.extract_lane(expv(f32x4.splat(load<f32>(x + <usize>i * 4) - mx)), 0);
  store<f64>(out, <f64>mx);
  store<f64>(out, sum, 8);
}

/**
 * losses[r] = logsumexp(logits[r]) − logits[r, t[r]] (0 where t[r] < 0). `tmp`: 16 bytes per
 * thread. stats (0 = none): 16 bytes per row receiving the row's (max, Σ e^(x − max)) as f64, for
 * cross_entropy_bwd.
 */
export function cross_entropy(
  losses: usize,
  logits: usize,
  targets: usize,
  vocab: i32,
  tmp: usize,
  stats: usize,
  tid: i32,
  r0: i32,
  r1: i32,
): void {
  for (let r = r0; r < r1; r++) {
    const t = load<i32>(targets + <usize>r * 4);
    const row = logits + <usize>r * <usize>vocab * 4;
    if (t < 0) {
      store<f32>(losses + <usize>r * 4, 0);
      continue;
    }
    const st = stats !== 0 ? stats + <usize>r * 16 : tmp + <usize>tid * 16;
    rowStats(row, vocab, st);
    const lse = load<f64>(st) + Math.log(load<f64>(st, 8));
    store<f32>(losses + <usize>r * 4, <f32>(lse - <f64>load<f32>(row + <usize>t * 4)));
  }
}

/**
 * dlogits = (softmax(logits) − onehot(t)) · scale per row (0 where t < 0). stats: cross_entropy's
 * per-row statistics of these logits (0 = recompute them here, in `tmp`).
 */
export function cross_entropy_bwd(
  dlogits: usize,
  logits: usize,
  targets: usize,
  vocab: i32,
  scale: f32,
  tmp: usize,
  stats: usize,
  tid: i32,
  r0: i32,
  r1: i32,
): void {
  for (let r = r0; r < r1; r++) {
    const t = load<i32>(targets + <usize>r * 4);
    const row = logits + <usize>r * <usize>vocab * 4;
    const d = dlogits + <usize>r * <usize>vocab * 4;
    if (t < 0) {
      for (let j = 0; j < vocab; j++) store<f32>(d + <usize>j * 4, 0);
      continue;
    }
    let st = stats + <usize>r * 16;
    if (stats === 0) {
      st = tmp + <usize>tid * 16;
      rowStats(row, vocab, st);
    }
    const vmx = f32x4.splat(<f32>load<f64>(st));
    const k = f32x4.splat(<f32>(<f64>scale / load<f64>(st, 8)));
    let j = 0;
    for (; j + 4 <= vocab; j += 4) {
      const o = <usize>j * 4;
      v128.store(d + o, f32x4.mul(expv(f32x4.sub(v128.load(row + o), vmx)), k));
    }
    for (; j < vocab; j++) {
      const o = <usize>j * 4;
      const e = f32x4.extract_lane(expv(f32x4.splat(load<f32>(row + o) - f32x4.extract_lane(vmx, 0))), 0);
      store<f32>(d + o, e * f32x4.extract_lane(k, 0));
    }
    const to = d + <usize>t * 4;
    store<f32>(to, load<f32>(to) - scale);
  }
}

/**
 * PyTorch's single-tensor AdamW on f32 parameters over elements [r0, r1) (the JS reference,
 * src/backend/js/optim.ts, spells out the steps): every operation in f32, in PyTorch's order, no
 * fused multiply-add, so each lane rounds exactly as the reference. Scalars (already f32):
 * gs gradient multiplier, decay = 1 − lr·wd, w1 = 1 − β1 (lerp weight), b2 = β2, c2 = 1 − β2,
 * bc2s = sqrt(1 − β2^step), negStep = −lr / (1 − β1^step), eps.
 */
export function adamw(
  param: usize,
  grad: usize,
  m: usize,
  v: usize,
  gs: f32,
  decay: f32,
  w1: f32,
  b2: f32,
  c2: f32,
  bc2s: f32,
  negStep: f32,
  eps: f32,
  r0: i32,
  r1: i32,
): void {
  const lerpLow = w1 < 0.5; // at::lerp: self + w·(end − self), or end − (end − self)·(1 − w)
  const w1c: f32 = 1 - w1;
  const vgs = f32x4.splat(gs);
  const vdec = f32x4.splat(decay);
  const vw1 = f32x4.splat(w1);
  const vw1c = f32x4.splat(w1c);
  const vb2 = f32x4.splat(b2);
  const vc2 = f32x4.splat(c2);
  const vbc2s = f32x4.splat(bc2s);
  const vstep = f32x4.splat(negStep);
  const veps = f32x4.splat(eps);
  let i = r0;
  for (; i + 4 <= r1; i += 4) {
    const o = <usize>i * 4;
    const g = f32x4.mul(v128.load(grad + o), vgs);
    const p1 = f32x4.mul(v128.load(param + o), vdec);
    const M = v128.load(m + o);
    const d = f32x4.sub(g, M);
    const mi = lerpLow ? f32x4.add(M, f32x4.mul(vw1, d)) : f32x4.sub(g, f32x4.mul(d, vw1c));
    const vi = f32x4.add(f32x4.mul(v128.load(v + o), vb2), f32x4.mul(f32x4.mul(vc2, g), g));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(vi), vbc2s), veps);
    v128.store(param + o, f32x4.add(p1, f32x4.div(f32x4.mul(vstep, mi), denom)));
  }
  for (; i < r1; i++) {
    const o = <usize>i * 4;
    const g = load<f32>(grad + o) * gs;
    const p1 = load<f32>(param + o) * decay;
    const M = load<f32>(m + o);
    const d = g - M;
    const mi = lerpLow ? M + w1 * d : g - d * w1c;
    const vi = load<f32>(v + o) * b2 + c2 * g * g;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    const denom = Mathf.sqrt(vi) / bc2s + eps;
    store<f32>(param + o, p1 + (negStep * mi) / denom);
  }
}

/** out[u] = Σ x² over elements [u·65536, (u+1)·65536) ∩ [0, n), in f64 lanes. */
export function sum_squares(x: usize, n: i32, out: usize, r0: i32, r1: i32): void {
  for (let u = r0; u < r1; u++) {
    const i0 = u << 16;
    const i1 = min(n, i0 + 65536);
    let a = f64x2.splat(0);
    let b = a;
    let i = i0;
    for (; i + 4 <= i1; i += 4) {
      const v = v128.load(x + <usize>i * 4);
      const lo = f64x2.promote_low_f32x4(v);
      const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
      a = f64x2.add(a, f64x2.mul(lo, lo));
      b = f64x2.add(b, f64x2.mul(hi, hi));
    }
    const t = f64x2.add(a, b);
    let s = f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
    for (; i < i1; i++) {
      const e = <f64>load<f32>(x + <usize>i * 4);
      s += e * e;
    }
    store<f64>(out + <usize>u * 8, s);
  }
}
