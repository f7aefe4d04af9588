// Row normalisations and softmax; parallel over rows [r0, r1). Norm reductions accumulate in
// f64; softmax uses the 4-lane f32 exp.
import { expv, f32of64, hi64, hsum, hsum64, lo64, rowSum64, rowVar64 } from './simd';

/** out = x / sqrt(mean(x²) + eps) · w (w = 0: no gain). */
export function rmsnorm(out: usize, x: usize, w: usize, dim: i32, eps: f64, r0: i32, r1: i32): void {
  const d4 = dim & ~3;
  for (let r = r0; r < r1; r++) {
    const xr = x + <usize>r * <usize>dim * 4;
    const orow = out + <usize>r * <usize>dim * 4;
    let s0 = f64x2.splat(0);
    let s1 = s0;
    for (let i = 0; i < d4; i += 4) {
      const v = v128.load(xr + <usize>i * 4);
      const a = lo64(v);
      const b = hi64(v);
      s0 = f64x2.add(s0, f64x2.mul(a, a));
      s1 = f64x2.add(s1, f64x2.mul(b, b));
    }
    let ss = hsum64(f64x2.add(s0, s1));
    for (let i = d4; i < dim; i++) {
      const a = <f64>load<f32>(xr + <usize>i * 4);
      ss += a * a;
    }
    const sc = 1 / Math.sqrt(ss / dim + eps);
    const scv = f64x2.splat(sc);
    for (let j = 0; j < d4; j += 4) {
      const o = <usize>j * 4;
      const v = v128.load(xr + o);
      let ya = f64x2.mul(lo64(v), scv);
      let yb = f64x2.mul(hi64(v), scv);
      if (w !== 0) {
        const wv = v128.load(w + o);
        ya = f64x2.mul(ya, lo64(wv));
        yb = f64x2.mul(yb, hi64(wv));
      }
      v128.store(orow + o, f32of64(ya, yb));
    }
    for (let j = d4; j < dim; j++) {
      const o = <usize>j * 4;
      let v = <f64>load<f32>(xr + o) * sc;
      if (w !== 0) v *= <f64>load<f32>(w + o);
      store<f32>(orow + o, <f32>v);
    }
  }
}

/** out = (x − mean) / sqrt(var + eps) · w + b (w, b = 0: absent); f64 arithmetic in f64x2 lanes. */
export function layernorm(
  out: usize,
  x: usize,
  w: usize,
  b: usize,
  dim: i32,
  eps: f64,
  r0: i32,
  r1: i32,
): void {
  const d4 = dim & ~3;
  for (let r = r0; r < r1; r++) {
    const xr = x + <usize>r * <usize>dim * 4;
    const orow = out + <usize>r * <usize>dim * 4;
    const mean = rowSum64(xr, dim) / dim;
    const rstd = 1 / Math.sqrt(rowVar64(xr, dim, mean) / dim + eps);
    const mv = f64x2.splat(mean);
    const rv = f64x2.splat(rstd);
    for (let j = 0; j < d4; j += 4) {
      const o = <usize>j * 4;
      const xv = v128.load(xr + o);
      let ylo = f64x2.mul(f64x2.sub(lo64(xv), mv), rv);
      let yhi = f64x2.mul(f64x2.sub(hi64(xv), mv), rv);
      if (w !== 0) {
        const wv = v128.load(w + o);
        ylo = f64x2.mul(ylo, lo64(wv));
        yhi = f64x2.mul(yhi, hi64(wv));
      }
      if (b !== 0) {
        const bv = v128.load(b + o);
        ylo = f64x2.add(ylo, lo64(bv));
        yhi = f64x2.add(yhi, hi64(bv));
      }
      v128.store(orow + o, f32of64(ylo, yhi));
    }
    for (let j = d4; j < dim; j++) {
      const o = <usize>j * 4;
      let y = (<f64>load<f32>(xr + o) - mean) * rstd;
      if (w !== 0) y *= <f64>load<f32>(w + o);
      if (b !== 0) y += <f64>load<f32>(b + o);
      store<f32>(orow + o, <f32>y);
    }
  }
}

/** e^x of one f32 through the 4-lane exp (so tails round like the vector body). */
function exp1(x: f32): f32 {
  return f32x4.extract_lane(expv(f32x4.splat(x)), 0);
}

/**
 * In place over p[0..n): p = e^(p − max) / Σ, returning nothing; the sum accumulates in 8 f32
 * lanes. Shared with the attention kernel.
 */
export function softmaxInPlace(p: usize, n: i32): void {
  let mv = f32x4.splat(-Infinity);
  let i = 0;
  for (; i + 4 <= n; i += 4) mv = f32x4.pmax(mv, v128.load(p + <usize>i * 4));
  let mx = max(
    max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)),
    max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)),
  );
  for (; i < n; i++) mx = max(mx, load<f32>(p + <usize>i * 4));
  const vmx = f32x4.splat(mx);
  let s0 = f32x4.splat(0);
  let s1 = s0;
  i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = p + <usize>i * 4;
    const e0 = expv(f32x4.sub(v128.load(o), vmx));
    const e1 = expv(f32x4.sub(v128.load(o, 16), vmx));
    v128.store(o, e0);
    v128.store(o, e1, 16);
    s0 = f32x4.add(s0, e0);
    s1 = f32x4.add(s1, e1);
  }
  let sum = <f64>hsum(f32x4.add(s0, s1));
  for (; i < n; i++) {
    const o = p + <usize>i * 4;
    const e = exp1(load<f32>(o) - mx);
    store<f32>(o, e);
    sum += <f64>e;
  }
  const inv = f32x4.splat(<f32>(1 / sum));
  i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = p + <usize>i * 4;
    v128.store(o, f32x4.mul(v128.load(o), inv));
  }
  for (; i < n; i++) {
    const o = p + <usize>i * 4;
    store<f32>(o, load<f32>(o) * f32x4.extract_lane(inv, 0));
  }
}

/** Row softmax of scale·x; with causal != 0, row r keeps columns ≤ pos0 + r (others 0). */
export function softmax(
  out: usize,
  x: usize,
  cols: i32,
  scale: f32,
  causal: i32,
  pos0: i32,
  r0: i32,
  r1: i32,
): void {
  const vs = f32x4.splat(scale);
  for (let r = r0; r < r1; r++) {
    const xr = x + <usize>r * <usize>cols * 4;
    const orow = out + <usize>r * <usize>cols * 4;
    const n = causal !== 0 ? max(0, min(cols, pos0 + r + 1)) : cols;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j * 4;
      v128.store(orow + o, f32x4.mul(v128.load(xr + o), vs));
    }
    for (; j < n; j++) store<f32>(orow + <usize>j * 4, load<f32>(xr + <usize>j * 4) * scale);
    softmaxInPlace(orow, n);
    for (let k = n; k < cols; k++) store<f32>(orow + <usize>k * 4, 0);
  }
}
