// LayerNorm and RMSNorm backward (training), each in two parallel passes so no two threads write the same value:
// rows for dx (which also records each row's mean and 1/std), then columns for dw and db. f64
// arithmetic like the forward kernel (norm.ts) and the JS reference.

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
  for (let r = r0; r < r1; r++) {
    const ro = <usize>r * <usize>dim * 4;
    const xr = x + ro;
    const gr = dout + ro;
    let s: f64 = 0;
    for (let j = 0; j < dim; j++) s += <f64>load<f32>(xr + <usize>j * 4);
    const mean = s / dim;
    let v: f64 = 0;
    for (let j = 0; j < dim; j++) {
      const d = <f64>load<f32>(xr + <usize>j * 4) - mean;
      v += d * d;
    }
    const rstd = 1 / Math.sqrt(v / dim + eps);
    let mg: f64 = 0;
    let mgx: f64 = 0;
    for (let j = 0; j < dim; j++) {
      const o = <usize>j * 4;
      let g = <f64>load<f32>(gr + o);
      if (w !== 0) g *= <f64>load<f32>(w + o);
      mg += g;
      mgx += g * (<f64>load<f32>(xr + o) - mean) * rstd;
    }
    mg /= dim;
    mgx /= dim;
    const dr = dx + ro;
    for (let j = 0; j < dim; j++) {
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
  for (let j = c0; j < c1; j++) {
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
  for (let r = r0; r < r1; r++) {
    const ro = <usize>r * <usize>dim * 4;
    const xr = x + ro;
    const gr = dout + ro;
    let ss: f64 = 0;
    let dot: f64 = 0;
    for (let j = 0; j < dim; j++) {
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
    for (let j = 0; j < dim; j++) {
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
  for (let j = c0; j < c1; j++) {
    const o = <usize>j * 4;
    let s: f64 = 0;
    for (let r = 0; r < rows; r++) {
      const ro = <usize>r * <usize>dim * 4 + o;
      s += <f64>load<f32>(dout + ro) * <f64>load<f32>(x + ro) * load<f64>(stats + ((<usize>r) << 4));
    }
    store<f32>(dw + o, <f32>(<f64>load<f32>(dw + o) + s));
  }
}
