// LayerNorm and RMSNorm backward (training), each in two parallel passes so no two threads write the same value:
// rows for dx (which also records each row's mean and 1/std), then columns for dw and db. f64
// arithmetic like the forward kernel (norm.ts) and the JS reference, on f64x2 lanes, 4 floats per
// step (dw/db: 4 columns per pass over the rows).
import { f32of64, hi64, hsum64, lo64, rowSum64, rowVar64 } from './simd';

/** Lanes 0, 1 of g = dout·w at byte offset o, as f64x2 (w = 0: no weight, g = dout). */
function gLo(gr: usize, w: usize, o: usize): v128 {
  const g = lo64(v128.load(gr + o));
  return w !== 0 ? f64x2.mul(g, lo64(v128.load(w + o))) : g;
}

/** Lanes 2, 3 of g = dout·w at byte offset o, as f64x2. */
function gHi(gr: usize, w: usize, o: usize): v128 {
  const g = hi64(v128.load(gr + o));
  return w !== 0 ? f64x2.mul(g, hi64(v128.load(w + o))) : g;
}

/**
 * Rows r in [r0, r1): dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) with g = dout·w (w = 0: no weight),
 * x̂ = (x − mean)·rstd; stats[r] = (mean, rstd) as two f64.
 */
export function layernorm_backward_dx(
  dx: usize,
  dout: usize,
  x: usize,
  w: usize,
  stats: usize,
  dim: i32,
  eps: f64,
  r0: i32,
  r1: i32,
): void {
  const d4 = dim & ~3;
  for (let r = r0; r < r1; r++) {
    const ro = <usize>r * <usize>dim * 4;
    const xr = x + ro;
    const gr = dout + ro;
    const mean = rowSum64(xr, dim) / dim;
    const rstd = 1 / Math.sqrt(rowVar64(xr, dim, mean) / dim + eps);
    const mv = f64x2.splat(mean);
    const rv = f64x2.splat(rstd);
    // Σ g and Σ g·x̂ (g = dout·w)
    let g0 = f64x2.splat(0);
    let g1 = g0;
    let h0 = g0;
    let h1 = g0;
    for (let j = 0; j < d4; j += 4) {
      const o = <usize>j * 4;
      const ga = gLo(gr, w, o);
      const gb = gHi(gr, w, o);
      const xv = v128.load(xr + o);
      g0 = f64x2.add(g0, ga);
      g1 = f64x2.add(g1, gb);
      h0 = f64x2.add(h0, f64x2.mul(ga, f64x2.mul(f64x2.sub(lo64(xv), mv), rv)));
      h1 = f64x2.add(h1, f64x2.mul(gb, f64x2.mul(f64x2.sub(hi64(xv), mv), rv)));
    }
    let mg = hsum64(f64x2.add(g0, g1));
    let mgx = hsum64(f64x2.add(h0, h1));
    for (let j = d4; j < dim; j++) {
      const o = <usize>j * 4;
      let g = <f64>load<f32>(gr + o);
      if (w !== 0) g *= <f64>load<f32>(w + o);
      mg += g;
      mgx += g * (<f64>load<f32>(xr + o) - mean) * rstd;
    }
    mg /= dim;
    mgx /= dim;
    const dr = dx + ro;
    const mgv = f64x2.splat(mg);
    const mgxv = f64x2.splat(mgx);
    for (let j = 0; j < d4; j += 4) {
      const o = <usize>j * 4;
      const ga = gLo(gr, w, o);
      const gb = gHi(gr, w, o);
      const xv = v128.load(xr + o);
      const xa = f64x2.mul(f64x2.sub(lo64(xv), mv), rv);
      const xb = f64x2.mul(f64x2.sub(hi64(xv), mv), rv);
      const da = f64x2.mul(rv, f64x2.sub(f64x2.sub(ga, mgv), f64x2.mul(xa, mgxv)));
      const db = f64x2.mul(rv, f64x2.sub(f64x2.sub(gb, mgv), f64x2.mul(xb, mgxv)));
      v128.store(dr + o, f32of64(da, db));
    }
    for (let j = d4; j < dim; j++) {
      const o = <usize>j * 4;
      let g = <f64>load<f32>(gr + o);
      if (w !== 0) g *= <f64>load<f32>(w + o);
      const xh = (<f64>load<f32>(xr + o) - mean) * rstd;
      store<f32>(dr + o, <f32>(rstd * (g - mg - xh * mgx)));
    }
    store<f64>(stats + ((<usize>r) << 4), mean);
    store<f64>(stats + ((<usize>r) << 4), rstd, 8);
  }
}

/** Columns j in [c0, c1): dw[j] += Σ_r dout[r][j]·x̂[r][j], db[j] += Σ_r dout[r][j] (0 = absent). */
export function layernorm_backward_dwdb(
  dw: usize,
  db: usize,
  dout: usize,
  x: usize,
  stats: usize,
  rows: i32,
  dim: i32,
  c0: i32,
  c1: i32,
): void {
  let j = c0;
  // 4 columns at a time: one f32x4 load per row of dout and x instead of 4 strided scalars.
  for (; j + 4 <= c1; j += 4) {
    const o = <usize>j * 4;
    let w0 = f64x2.splat(0);
    let w1 = w0;
    let b0 = w0;
    let b1 = w0;
    for (let r = 0; r < rows; r++) {
      const ro = <usize>r * <usize>dim * 4 + o;
      const gv = v128.load(dout + ro);
      const xv = v128.load(x + ro);
      const st = stats + ((<usize>r) << 4);
      const mv = f64x2.splat(load<f64>(st));
      const rv = f64x2.splat(load<f64>(st, 8));
      const ga = lo64(gv);
      const gb = hi64(gv);
      w0 = f64x2.add(w0, f64x2.mul(f64x2.mul(ga, f64x2.sub(lo64(xv), mv)), rv));
      w1 = f64x2.add(w1, f64x2.mul(f64x2.mul(gb, f64x2.sub(hi64(xv), mv)), rv));
      b0 = f64x2.add(b0, ga);
      b1 = f64x2.add(b1, gb);
    }
    if (dw !== 0) {
      const cur = v128.load(dw + o);
      v128.store(dw + o, f32of64(f64x2.add(lo64(cur), w0), f64x2.add(hi64(cur), w1)));
    }
    if (db !== 0) {
      const cur = v128.load(db + o);
      v128.store(db + o, f32of64(f64x2.add(lo64(cur), b0), f64x2.add(hi64(cur), b1)));
    }
  }
  for (; j < c1; j++) {
    const o = <usize>j * 4;
    let sw: f64 = 0;
    let sb: f64 = 0;
    for (let r = 0; r < rows; r++) {
      const ro = <usize>r * <usize>dim * 4 + o;
      const g = <f64>load<f32>(dout + ro);
      const st = stats + ((<usize>r) << 4);
      sw += g * (<f64>load<f32>(x + ro) - load<f64>(st)) * load<f64>(st, 8);
      sb += g;
    }
    if (dw !== 0) store<f32>(dw + o, <f32>(<f64>load<f32>(dw + o) + sw));
    if (db !== 0) store<f32>(db + o, <f32>(<f64>load<f32>(db + o) + sb));
  }
}

/**
 * RMSNorm backward, rows r in [r0, r1): with rs = 1/√(mean(x²) + eps) and g = dout·w,
 * dx = g·rs − x·(Σ g·x)·rs³/dim; stats[r] = rs (f64, at the same 16-byte stride as LayerNorm's).
 */
export function rmsnorm_backward_dx(
  dx: usize,
  dout: usize,
  x: usize,
  w: usize,
  stats: usize,
  dim: i32,
  eps: f64,
  r0: i32,
  r1: i32,
): void {
  const d4 = dim & ~3;
  for (let r = r0; r < r1; r++) {
    const ro = <usize>r * <usize>dim * 4;
    const xr = x + ro;
    const gr = dout + ro;
    let s0 = f64x2.splat(0);
    let s1 = s0;
    let t0 = s0;
    let t1 = s0;
    for (let j = 0; j < d4; j += 4) {
      const o = <usize>j * 4;
      const xv = v128.load(xr + o);
      const xa = lo64(xv);
      const xb = hi64(xv);
      const ga = gLo(gr, w, o);
      const gb = gHi(gr, w, o);
      s0 = f64x2.add(s0, f64x2.mul(xa, xa));
      s1 = f64x2.add(s1, f64x2.mul(xb, xb));
      t0 = f64x2.add(t0, f64x2.mul(ga, xa));
      t1 = f64x2.add(t1, f64x2.mul(gb, xb));
    }
    let ss = hsum64(f64x2.add(s0, s1));
    let dot = hsum64(f64x2.add(t0, t1));
    for (let j = d4; j < dim; j++) {
      const o = <usize>j * 4;
      const xv = <f64>load<f32>(xr + o);
      let g = <f64>load<f32>(gr + o);
      if (w !== 0) g *= <f64>load<f32>(w + o);
      ss += xv * xv;
      dot += g * xv;
    }
    const rs = 1 / Math.sqrt(ss / dim + eps);
    const c = (dot * rs * rs * rs) / dim;
    const dr = dx + ro;
    const rsv = f64x2.splat(rs);
    const cv = f64x2.splat(c);
    for (let j = 0; j < d4; j += 4) {
      const o = <usize>j * 4;
      const xv = v128.load(xr + o);
      const ga = gLo(gr, w, o);
      const gb = gHi(gr, w, o);
      const da = f64x2.sub(f64x2.mul(ga, rsv), f64x2.mul(lo64(xv), cv));
      const db = f64x2.sub(f64x2.mul(gb, rsv), f64x2.mul(hi64(xv), cv));
      v128.store(dr + o, f32of64(da, db));
    }
    for (let j = d4; j < dim; j++) {
      const o = <usize>j * 4;
      let g = <f64>load<f32>(gr + o);
      if (w !== 0) g *= <f64>load<f32>(w + o);
      store<f32>(dr + o, <f32>(g * rs - <f64>load<f32>(xr + o) * c));
    }
    store<f64>(stats + ((<usize>r) << 4), rs);
  }
}

/** Columns j in [c0, c1): dw[j] += Σ_r dout[r][j]·x[r][j]·rs[r]. */
export function rmsnorm_backward_dw(
  dw: usize,
  dout: usize,
  x: usize,
  stats: usize,
  rows: i32,
  dim: i32,
  c0: i32,
  c1: i32,
): void {
  let j = c0;
  for (; j + 4 <= c1; j += 4) {
    const o = <usize>j * 4;
    let s0 = f64x2.splat(0);
    let s1 = s0;
    for (let r = 0; r < rows; r++) {
      const ro = <usize>r * <usize>dim * 4 + o;
      const gv = v128.load(dout + ro);
      const xv = v128.load(x + ro);
      const rs = f64x2.splat(load<f64>(stats + ((<usize>r) << 4)));
      s0 = f64x2.add(s0, f64x2.mul(f64x2.mul(lo64(gv), lo64(xv)), rs));
      s1 = f64x2.add(s1, f64x2.mul(f64x2.mul(hi64(gv), hi64(xv)), rs));
    }
    const cur = v128.load(dw + o);
    v128.store(dw + o, f32of64(f64x2.add(lo64(cur), s0), f64x2.add(hi64(cur), s1)));
  }
  for (; j < c1; j++) {
    const o = <usize>j * 4;
    let s: f64 = 0;
    for (let r = 0; r < rows; r++) {
      const ro = <usize>r * <usize>dim * 4 + o;
      s += <f64>load<f32>(dout + ro) * <f64>load<f32>(x + ro) * load<f64>(stats + ((<usize>r) << 4));
    }
    store<f32>(dw + o, <f32>(<f64>load<f32>(dw + o) + s));
  }
}
