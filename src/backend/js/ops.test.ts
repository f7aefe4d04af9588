// Row ops, element-wise ops, losses and optimiser helpers against direct formulas.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShapeError } from '../../errors.js';
import { Rng } from '../conformance/random.js';
import { JsBackend } from './js-backend.js';
import { erf } from './special.js';
import { get, get64, put, zeros } from './testing.js';

const close = (a: number, b: number, tol: number, msg: string) =>
  assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${msg}: ${a} vs ${b}`);

test('softmax rows sum to 1 and equal exp(x·s − max)/Σ, causal rows mask the future', () => {
  const be = new JsBackend();
  const rng = new Rng(2);
  const rows = 5;
  const cols = 13;
  const x = rng.uniform(rows * cols, -8, 8);
  for (const [scale, pos0] of [
    [1, undefined],
    [0.3, undefined],
    [0.5, 2],
  ] as const) {
    const out = zeros(be, rows * cols);
    be.softmax(out, put(be, x), rows, cols, scale, pos0);
    const y = get(be, out, rows * cols);
    for (let r = 0; r < rows; r++) {
      const vis = pos0 === undefined ? cols : pos0 + r + 1;
      const e = Array.from({ length: cols }, (_, c) => (c < vis ? Math.exp(x[r * cols + c] * scale) : 0));
      const sum = e.reduce((s, v) => s + v, 0);
      let rowSum = 0;
      for (let c = 0; c < cols; c++) {
        rowSum += y[r * cols + c];
        close(y[r * cols + c], e[c] / sum, 1e-6, `softmax[${r},${c}]`);
        if (c >= vis) assert.equal(y[r * cols + c], 0);
      }
      close(rowSum, 1, 1e-6, 'row sum');
    }
  }
});

test('rmsnorm and layernorm match their definitions', () => {
  const be = new JsBackend({ float64: true });
  const rng = new Rng(3);
  const rows = 3;
  const dim = 17;
  const x = rng.normals(rows * dim, 2);
  const w = rng.uniform(dim, 0.5, 1.5);
  const b = rng.uniform(dim);
  const eps = 1e-5;
  const out = zeros(be, rows * dim);
  be.rmsnorm(out, put(be, x), put(be, w), rows, dim, eps);
  const y = get64(be, out, rows * dim);
  be.layernorm(out, put(be, x), put(be, w), put(be, b), rows, dim, eps);
  const z = get64(be, out, rows * dim);
  be.layernorm(out, put(be, x), null, null, rows, dim, eps);
  const z0 = get64(be, out, rows * dim);
  for (let r = 0; r < rows; r++) {
    const row = [...x.subarray(r * dim, (r + 1) * dim)];
    const ms = row.reduce((s, v) => s + v * v, 0) / dim;
    const mean = row.reduce((s, v) => s + v, 0) / dim;
    const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / dim;
    for (let i = 0; i < dim; i++) {
      close(y[r * dim + i], (row[i] / Math.sqrt(ms + eps)) * w[i], 1e-12, 'rmsnorm');
      const xhat = (row[i] - mean) / Math.sqrt(variance + eps);
      close(z[r * dim + i], xhat * w[i] + b[i], 1e-12, 'layernorm');
      close(z0[r * dim + i], xhat, 1e-12, 'layernorm without affine');
    }
  }
});

test('element-wise ops, addBias and activations match scalar formulas (in place too)', () => {
  const be = new JsBackend({ float64: true });
  const rng = new Rng(4);
  const n = 37;
  const a = rng.uniform(n, -6, 6);
  const b = rng.uniform(n, -3, 3);
  const out = zeros(be, n);
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const gelu = (v: number) => 0.5 * v * (1 + Math.tanh(0.7978845608028654 * (v + 0.044715 * v ** 3)));
  const cases: [string, () => void, (i: number) => number][] = [
    ['add', () => be.add(out, put(be, a), put(be, b), n), (i) => a[i] + b[i]],
    ['mul', () => be.mul(out, put(be, a), put(be, b), n), (i) => a[i] * b[i]],
    ['scale', () => be.scale(out, put(be, a), -1.5, n), (i) => a[i] * -1.5],
    ['silu', () => be.silu(out, put(be, a), n), (i) => a[i] * sig(a[i])],
    ['gelu', () => be.gelu(out, put(be, a), n), (i) => gelu(a[i])],
    ['geluErf', () => be.geluErf(out, put(be, a), n), (i) => a[i] * 0.5 * (1 + erf(a[i] / Math.SQRT2))],
    ['swiglu', () => be.swiglu(out, put(be, a), put(be, b), n), (i) => a[i] * sig(a[i]) * b[i]],
  ];
  for (const [name, run, want] of cases) {
    run();
    const y = get64(be, out, n);
    for (let i = 0; i < n; i++) close(y[i], want(i), 1e-14, `${name}[${i}]`);
  }
  // In place: out aliases the input.
  const inPlace = put(be, a);
  be.add(inPlace, inPlace, inPlace, n);
  const y2 = get64(be, inPlace, n);
  for (let i = 0; i < n; i++) assert.equal(y2[i], 2 * a[i]);
  // addBias: [3, 7] + [7].
  const bias = b.subarray(0, 7);
  const x = a.subarray(0, 21);
  be.addBias(out, put(be, x), put(be, bias), 3, 7);
  const y3 = get64(be, out, 21);
  for (let i = 0; i < 21; i++) assert.equal(y3[i], x[i] + bias[i % 7]);
  // PyTorch gelu(approximate='tanh') at ±1 (and gelu(x) − gelu(−x) = x).
  be.gelu(out, put(be, new Float64Array([1, -1])), 2);
  const g = get64(be, out, 2);
  close(g[0], 0.8411919906082768, 1e-12, 'gelu(1)');
  close(g[1], 0.8411919906082768 - 1, 1e-12, 'gelu(-1)');
});

test('crossEntropy equals −log softmax at the target; negative targets give 0', () => {
  const be = new JsBackend({ float64: true });
  const rng = new Rng(5);
  const rows = 4;
  const vocab = 11;
  const logits = rng.uniform(rows * vocab, -20, 20);
  const targets = new Int32Array([3, -1, 0, 10]);
  const losses = zeros(be, rows);
  be.crossEntropy(losses, put(be, logits), targets, rows, vocab);
  const l = get64(be, losses, rows);
  for (let r = 0; r < rows; r++) {
    const row = [...logits.subarray(r * vocab, (r + 1) * vocab)];
    const z = row.reduce((s, v) => s + Math.exp(v), 0);
    const want = targets[r] < 0 ? 0 : -Math.log(Math.exp(row[targets[r]]) / z);
    close(l[r], want, 1e-12, `loss[${r}]`);
  }
  assert.throws(
    () => be.crossEntropy(losses, put(be, logits), new Int32Array([0, 0, 0, 11]), rows, vocab),
    ShapeError,
  );
});

test('sumSquares accumulates in f64', () => {
  const be = new JsBackend();
  const x = new Float32Array(1000).fill(0.1);
  const want = 1000 * Math.fround(0.1) ** 2;
  assert.ok(Math.abs(be.sumSquares(put(be, x), 1000) - want) < 1e-12);
});

test('adamw follows torch.optim.AdamW over several steps', () => {
  const be = new JsBackend({ float64: true });
  const rng = new Rng(6);
  const n = 9;
  const p0 = rng.uniform(n);
  const param = put(be, p0);
  const m = zeros(be, n);
  const v = zeros(be, n);
  const hp = { n, lr: 0.01, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, gradScale: 0.5 };
  // Reference: PyTorch's single-tensor AdamW in its own formulation, in f64.
  const P = Float64Array.from(p0);
  const M = new Float64Array(n);
  const V = new Float64Array(n);
  for (let step = 1; step <= 4; step++) {
    const g = rng.uniform(n);
    be.adamw(param, put(be, g), m, v, { ...hp, step });
    for (let i = 0; i < n; i++) {
      const gi = g[i] * hp.gradScale;
      P[i] *= 1 - hp.lr * hp.weightDecay;
      M[i] += (gi - M[i]) * (1 - hp.beta1);
      V[i] = V[i] * hp.beta2 + gi * gi * (1 - hp.beta2);
      const bc1 = 1 - hp.beta1 ** step;
      const bc2 = 1 - hp.beta2 ** step;
      const denom = Math.sqrt(V[i]) / Math.sqrt(bc2) + hp.eps;
      P[i] -= (hp.lr / bc1) * (M[i] / denom);
    }
  }
  // The update computes in f32 (as PyTorch on f32 parameters): within f32 rounding of the f64 math.
  const got = get64(be, param, n);
  for (let i = 0; i < n; i++) close(got[i], P[i], 1e-6, `param[${i}]`);
  assert.ok(
    got.some((x, i) => x !== P[i]),
    'the update rounds to f32',
  );
  for (let i = 0; i < n; i++) assert.equal(got[i], Math.fround(got[i]), `param[${i}] is an f32 value`);
});
