// Training kernels: cross-entropy (forward and backward, parallel over rows), AdamW and the sum
// of squares (parallel over element ranges). AdamW and Σx² compute in f64 lanes like the JS
// reference (they are memory-bound, so the wider arithmetic costs nothing).
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
 * PyTorch AdamW over elements [r0, r1): g = grad·gs; m = β1m + (1−β1)g; v = β2v + (1−β2)g²;
 * param = param·decay − lr·(m/bc1) / (sqrt(v/bc2) + eps), with m, v read back as stored f32.
 * Four elements per step in f64x2 lanes with the scalar tail's operations in the same order
 * (no fused multiply-add), so every lane rounds exactly as the scalar code and the JS reference.
 */
export function adamw(
  param: usize,
  grad: usize,
  m: usize,
  v: usize,
  gs: f64,
  beta1: f64,
  beta2: f64,
  lr: f64,
  eps: f64,
  bc1: f64,
  bc2: f64,
  decay: f64,
  r0: i32,
  r1: i32,
): void {
  const vgs = f64x2.splat(gs);
  const vb1 = f64x2.splat(beta1);
  const vc1 = f64x2.splat(1 - beta1);
  const vb2 = f64x2.splat(beta2);
  const vc2 = f64x2.splat(1 - beta2);
  const vbc1 = f64x2.splat(bc1);
  const vbc2 = f64x2.splat(bc2);
  const vlr = f64x2.splat(lr);
  const veps = f64x2.splat(eps);
  const vdec = f64x2.splat(decay);
  let i = r0;
  for (; i + 4 <= r1; i += 4) {
    const o = <usize>i * 4;
    const G = v128.load(grad + o);
    const M = v128.load(m + o);
    const V = v128.load(v + o);
    const P = v128.load(param + o);
    // lanes 0-1 (lo) and 2-3 (hi) of each f32x4, widened to f64x2
    const gl = f64x2.mul(f64x2.promote_low_f32x4(G), vgs);
    const gh = f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<i64>(G, G, 1, 0)), vgs);
    const ml = f32x4.demote_f64x2_zero(
      f64x2.add(f64x2.mul(vb1, f64x2.promote_low_f32x4(M)), f64x2.mul(vc1, gl)),
    );
    const mh = f32x4.demote_f64x2_zero(
      f64x2.add(f64x2.mul(vb1, f64x2.promote_low_f32x4(v128.shuffle<i64>(M, M, 1, 0))), f64x2.mul(vc1, gh)),
    );
    const vl = f32x4.demote_f64x2_zero(
      f64x2.add(f64x2.mul(vb2, f64x2.promote_low_f32x4(V)), f64x2.mul(f64x2.mul(vc2, gl), gl)),
    );
    const vh = f32x4.demote_f64x2_zero(
      f64x2.add(
        f64x2.mul(vb2, f64x2.promote_low_f32x4(v128.shuffle<i64>(V, V, 1, 0))),
        f64x2.mul(f64x2.mul(vc2, gh), gh),
      ),
    );
    v128.store(m + o, v128.shuffle<i64>(ml, mh, 0, 2));
    v128.store(v + o, v128.shuffle<i64>(vl, vh, 0, 2));
    const pl = f64x2.sub(
      f64x2.mul(f64x2.promote_low_f32x4(P), vdec),
      f64x2.div(
        f64x2.mul(vlr, f64x2.div(f64x2.promote_low_f32x4(ml), vbc1)),
        f64x2.add(f64x2.sqrt(f64x2.div(f64x2.promote_low_f32x4(vl), vbc2)), veps),
      ),
    );
    const ph = f64x2.sub(
      f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<i64>(P, P, 1, 0)), vdec),
      f64x2.div(
        f64x2.mul(vlr, f64x2.div(f64x2.promote_low_f32x4(mh), vbc1)),
        f64x2.add(f64x2.sqrt(f64x2.div(f64x2.promote_low_f32x4(vh), vbc2)), veps),
      ),
    );
    v128.store(param + o, v128.shuffle<i64>(f32x4.demote_f64x2_zero(pl), f32x4.demote_f64x2_zero(ph), 0, 2));
  }
  for (; i < r1; i++) {
    const o = <usize>i * 4;
    const g = <f64>load<f32>(grad + o) * gs;
    const mi = <f32>(beta1 * <f64>load<f32>(m + o) + (1 - beta1) * g);
    const vi = <f32>(beta2 * <f64>load<f32>(v + o) + (1 - beta2) * g * g);
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    const mh = <f64>mi / bc1;
    const vh = <f64>vi / bc2;
    store<f32>(param + o, <f32>(<f64>load<f32>(param + o) * decay - (lr * mh) / (Math.sqrt(vh) + eps)));
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
