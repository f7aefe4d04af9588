// Element-wise ops and activations with their backward kernels. Computed in f64, stored in the
// buffer's precision. `out` may alias an input (each element is read before it is written).

import { checkCount, type JsBuf, need } from './buf.js';
import { normalCdf, normalPdf } from './special.js';

function check(op: string, n: number, bufs: [string, JsBuf][]): void {
  checkCount(op, 'n', n);
  for (const [name, b] of bufs) need(op, name, b, n);
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_COEF = 0.044715;

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export function add(out: JsBuf, a: JsBuf, b: JsBuf, n: number): void {
  check('add', n, [
    ['out', out],
    ['a', a],
    ['b', b],
  ]);
  const O = out.data;
  const A = a.data;
  const B = b.data;
  for (let i = 0; i < n; i++) O[i] = A[i] + B[i];
}

export function mul(out: JsBuf, a: JsBuf, b: JsBuf, n: number): void {
  check('mul', n, [
    ['out', out],
    ['a', a],
    ['b', b],
  ]);
  const O = out.data;
  const A = a.data;
  const B = b.data;
  for (let i = 0; i < n; i++) O[i] = A[i] * B[i];
}

export function scale(out: JsBuf, x: JsBuf, s: number, n: number): void {
  check('scale', n, [
    ['out', out],
    ['x', x],
  ]);
  const O = out.data;
  const X = x.data;
  for (let i = 0; i < n; i++) O[i] = X[i] * s;
}

/** out[r, c] = x[r, c] + bias[c]. */
export function addBias(out: JsBuf, x: JsBuf, bias: JsBuf, rows: number, cols: number): void {
  const op = 'addBias';
  checkCount(op, 'rows', rows);
  checkCount(op, 'cols', cols);
  need(op, 'out', out, rows * cols);
  need(op, 'x', x, rows * cols);
  need(op, 'bias', bias, cols);
  const O = out.data;
  const X = x.data;
  const B = bias.data;
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) O[r * cols + c] = X[r * cols + c] + B[c];
}

/** silu(x) = x · sigmoid(x). */
export function silu(out: JsBuf, x: JsBuf, n: number): void {
  check('silu', n, [
    ['out', out],
    ['x', x],
  ]);
  const O = out.data;
  const X = x.data;
  for (let i = 0; i < n; i++) O[i] = X[i] * sigmoid(X[i]);
}

/** dx = dout · s · (1 + x · (1 − s)) with s = sigmoid(x). */
export function siluBackward(dx: JsBuf, dout: JsBuf, x: JsBuf, n: number): void {
  check('siluBackward', n, [
    ['dx', dx],
    ['dout', dout],
    ['x', x],
  ]);
  const DX = dx.data;
  const D = dout.data;
  const X = x.data;
  for (let i = 0; i < n; i++) {
    const s = sigmoid(X[i]);
    DX[i] = D[i] * s * (1 + X[i] * (1 - s));
  }
}

/** GELU, tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
export function gelu(out: JsBuf, x: JsBuf, n: number): void {
  check('gelu', n, [
    ['out', out],
    ['x', x],
  ]);
  const O = out.data;
  const X = x.data;
  for (let i = 0; i < n; i++) {
    const v = X[i];
    O[i] = 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + GELU_COEF * v * v * v)));
  }
}

export function geluBackward(dx: JsBuf, dout: JsBuf, x: JsBuf, n: number): void {
  check('geluBackward', n, [
    ['dx', dx],
    ['dout', dout],
    ['x', x],
  ]);
  const DX = dx.data;
  const D = dout.data;
  const X = x.data;
  for (let i = 0; i < n; i++) {
    const v = X[i];
    const t = Math.tanh(SQRT_2_OVER_PI * (v + GELU_COEF * v * v * v));
    const du = SQRT_2_OVER_PI * (1 + 3 * GELU_COEF * v * v);
    DX[i] = D[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du);
  }
}

/** GELU, exact: x·Φ(x) = 0.5·x·(1 + erf(x/√2)) (PyTorch's default, Hugging Face's `gelu`). */
export function geluErf(out: JsBuf, x: JsBuf, n: number): void {
  check('geluErf', n, [
    ['out', out],
    ['x', x],
  ]);
  const O = out.data;
  const X = x.data;
  for (let i = 0; i < n; i++) {
    const v = X[i];
    O[i] = v * normalCdf(v);
  }
}

/** dx = dout · (Φ(x) + x·φ(x)). */
export function geluErfBackward(dx: JsBuf, dout: JsBuf, x: JsBuf, n: number): void {
  check('geluErfBackward', n, [
    ['dx', dx],
    ['dout', dout],
    ['x', x],
  ]);
  const DX = dx.data;
  const D = dout.data;
  const X = x.data;
  for (let i = 0; i < n; i++) {
    const v = X[i];
    DX[i] = D[i] * (normalCdf(v) + v * normalPdf(v));
  }
}

/** out = silu(gate) · up. */
export function swiglu(out: JsBuf, gate: JsBuf, up: JsBuf, n: number): void {
  check('swiglu', n, [
    ['out', out],
    ['gate', gate],
    ['up', up],
  ]);
  const O = out.data;
  const G = gate.data;
  const U = up.data;
  for (let i = 0; i < n; i++) O[i] = G[i] * sigmoid(G[i]) * U[i];
}

/** dgate = dout · up · silu'(gate); dup = dout · silu(gate). */
export function swigluBackward(
  dgate: JsBuf,
  dup: JsBuf,
  dout: JsBuf,
  gate: JsBuf,
  up: JsBuf,
  n: number,
): void {
  check('swigluBackward', n, [
    ['dgate', dgate],
    ['dup', dup],
    ['dout', dout],
    ['gate', gate],
    ['up', up],
  ]);
  const DG = dgate.data;
  const DU = dup.data;
  const D = dout.data;
  const G = gate.data;
  const U = up.data;
  for (let i = 0; i < n; i++) {
    const g = G[i];
    const u = U[i];
    const d = D[i];
    const s = sigmoid(g);
    DG[i] = d * u * s * (1 + g * (1 - s));
    DU[i] = d * g * s;
  }
}
