// Row normalisations (RMSNorm, LayerNorm) and their backward kernels. Sums in f64.

import { checkCount, type JsBuf, need } from './buf.js';

function checkRows(op: string, rows: number, dim: number, bufs: [string, JsBuf | null, number][]): void {
  checkCount(op, 'rows', rows);
  checkCount(op, 'dim', dim);
  for (const [name, b, n] of bufs) if (b !== null) need(op, name, b, n);
}

/** out = x / sqrt(mean(x²) + eps) · w, per row of `dim`. */
export function rmsnorm(out: JsBuf, x: JsBuf, w: JsBuf | null, rows: number, dim: number, eps: number): void {
  const n = rows * dim;
  checkRows('rmsnorm', rows, dim, [
    ['out', out, n],
    ['x', x, n],
    ['w', w, dim],
  ]);
  const X = x.data;
  const O = out.data;
  const W = w?.data;
  for (let r = 0; r < rows; r++) {
    const o = r * dim;
    let ss = 0;
    for (let i = 0; i < dim; i++) ss += X[o + i] * X[o + i];
    const inv = 1 / Math.sqrt(ss / dim + eps);
    for (let i = 0; i < dim; i++) O[o + i] = X[o + i] * inv * (W === undefined ? 1 : W[i]);
  }
}

/**
 * With r = 1/sqrt(mean(x²)+eps), y = x·r·w:
 * dx_i = r·g_i − r³/D · x_i · Σ_j g_j x_j where g = dout ⊙ w;  dw_i += Σ_rows dout_i · x_i · r.
 */
export function rmsnormBackward(
  dx: JsBuf,
  dw: JsBuf | null,
  dout: JsBuf,
  x: JsBuf,
  w: JsBuf | null,
  rows: number,
  dim: number,
  eps: number,
): void {
  const n = rows * dim;
  checkRows('rmsnormBackward', rows, dim, [
    ['dx', dx, n],
    ['dw', dw, dim],
    ['dout', dout, n],
    ['x', x, n],
    ['w', w, dim],
  ]);
  const X = x.data;
  const D = dout.data;
  const DX = dx.data;
  const W = w?.data;
  const DW = dw?.data;
  for (let r = 0; r < rows; r++) {
    const o = r * dim;
    let ss = 0;
    let gx = 0;
    for (let i = 0; i < dim; i++) {
      ss += X[o + i] * X[o + i];
      gx += D[o + i] * (W === undefined ? 1 : W[i]) * X[o + i];
    }
    const inv = 1 / Math.sqrt(ss / dim + eps);
    const c = (inv * inv * inv * gx) / dim;
    for (let i = 0; i < dim; i++) {
      const g = D[o + i] * (W === undefined ? 1 : W[i]);
      const xi = X[o + i];
      if (DW !== undefined) DW[i] += D[o + i] * xi * inv;
      DX[o + i] = inv * g - c * xi;
    }
  }
}

/** out = (x − mean) / sqrt(var + eps) · w + b, per row (biased variance, as PyTorch and ggml). */
export function layernorm(
  out: JsBuf,
  x: JsBuf,
  w: JsBuf | null,
  b: JsBuf | null,
  rows: number,
  dim: number,
  eps: number,
): void {
  const n = rows * dim;
  checkRows('layernorm', rows, dim, [
    ['out', out, n],
    ['x', x, n],
    ['w', w, dim],
    ['b', b, dim],
  ]);
  const X = x.data;
  const O = out.data;
  const W = w?.data;
  const B = b?.data;
  for (let r = 0; r < rows; r++) {
    const o = r * dim;
    let sum = 0;
    for (let i = 0; i < dim; i++) sum += X[o + i];
    const mean = sum / dim;
    let v = 0;
    for (let i = 0; i < dim; i++) v += (X[o + i] - mean) * (X[o + i] - mean);
    const inv = 1 / Math.sqrt(v / dim + eps);
    for (let i = 0; i < dim; i++) {
      O[o + i] = (X[o + i] - mean) * inv * (W === undefined ? 1 : W[i]) + (B === undefined ? 0 : B[i]);
    }
  }
}

/**
 * With xhat = (x − mean)·r and g = dout ⊙ w: dx = r · (g − mean(g) − xhat · mean(g ⊙ xhat));
 * dw += Σ_rows dout ⊙ xhat; db += Σ_rows dout.
 */
export function layernormBackward(
  dx: JsBuf,
  dw: JsBuf | null,
  db: JsBuf | null,
  dout: JsBuf,
  x: JsBuf,
  w: JsBuf | null,
  rows: number,
  dim: number,
  eps: number,
): void {
  const n = rows * dim;
  checkRows('layernormBackward', rows, dim, [
    ['dx', dx, n],
    ['dw', dw, dim],
    ['db', db, dim],
    ['dout', dout, n],
    ['x', x, n],
    ['w', w, dim],
  ]);
  const X = x.data;
  const D = dout.data;
  const DX = dx.data;
  const W = w?.data;
  const DW = dw?.data;
  const DB = db?.data;
  for (let r = 0; r < rows; r++) {
    const o = r * dim;
    let sum = 0;
    for (let i = 0; i < dim; i++) sum += X[o + i];
    const mean = sum / dim;
    let v = 0;
    for (let i = 0; i < dim; i++) v += (X[o + i] - mean) * (X[o + i] - mean);
    const inv = 1 / Math.sqrt(v / dim + eps);
    let gMean = 0;
    let gxMean = 0;
    for (let i = 0; i < dim; i++) {
      const g = D[o + i] * (W === undefined ? 1 : W[i]);
      gMean += g;
      gxMean += g * (X[o + i] - mean) * inv;
    }
    gMean /= dim;
    gxMean /= dim;
    for (let i = 0; i < dim; i++) {
      const xhat = (X[o + i] - mean) * inv;
      const g = D[o + i] * (W === undefined ? 1 : W[i]);
      if (DW !== undefined) DW[i] += D[o + i] * xhat;
      if (DB !== undefined) DB[i] += D[o + i];
      DX[o + i] = inv * (g - gMean - xhat * gxMean);
    }
  }
}
