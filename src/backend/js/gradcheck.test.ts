// Finite-difference checks of every backward kernel, in float64 mode. The loss is
// L = Σ forward(x) ⊙ R for a fixed random R (so dout = R); numerical gradients use central
// differences with h = 1e-5 (truncation ~h², rounding ~1e-16/h, both ≪ the tolerance).
// Tolerance: |analytic − numeric| ≤ 1e-7 · max|numeric| + 1e-9 per element.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GgmlType } from '../../tensor/dtype.js';
import type { AttentionTrainParams, Buf } from '../backend.js';
import { Rng } from '../conformance/random.js';
import { JsBackend } from './js-backend.js';
import { get64, maxAbs, put, zeros } from './testing.js';

const H = 1e-5;
const REL = 1e-7;
const ABS = 1e-9;

const be = new JsBackend({ float64: true });
const rng = new Rng(30);

function f64(a: Float32Array): Float64Array {
  return Float64Array.from(a);
}

/** Σ out ⊙ r. */
function dot(be2: JsBackend, out: Buf, r: Float64Array): number {
  const y = get64(be2, out, r.length);
  let s = 0;
  for (let i = 0; i < r.length; i++) s += y[i] * r[i];
  return s;
}

/** Central-difference gradient of `loss` with respect to every element of `x` (modified in place, restored). */
function numeric(x: Float64Array, loss: () => number): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const x0 = x[i];
    x[i] = x0 + H;
    const lp = loss();
    x[i] = x0 - H;
    const lm = loss();
    x[i] = x0;
    g[i] = (lp - lm) / (2 * H);
  }
  return g;
}

function assertGrad(name: string, analytic: Float64Array, num: Float64Array): void {
  const tol = REL * maxAbs(num) + ABS;
  assert.ok(maxAbs(num) > 1e-3, `${name}: the numeric gradient is degenerate`);
  for (let i = 0; i < num.length; i++) {
    assert.ok(Math.abs(analytic[i] - num[i]) <= tol, `${name}[${i}]: ${analytic[i]} vs ${num[i]}`);
  }
}

test('rmsnormBackward (dx, dw; with and without gain)', () => {
  const [rows, dim, eps] = [3, 7, 1e-5];
  const x = f64(rng.normals(rows * dim));
  const w = f64(rng.uniform(dim, 0.5, 1.5));
  const r = f64(rng.normals(rows * dim));
  for (const withW of [true, false]) {
    const out = zeros(be, rows * dim);
    const loss = () => {
      be.rmsnorm(out, put(be, x), withW ? put(be, w) : null, rows, dim, eps);
      return dot(be, out, r);
    };
    const dx = zeros(be, rows * dim);
    const dw = zeros(be, dim);
    be.rmsnormBackward(
      dx,
      withW ? dw : null,
      put(be, r),
      put(be, x),
      withW ? put(be, w) : null,
      rows,
      dim,
      eps,
    );
    assertGrad('rmsnorm dx', get64(be, dx, rows * dim), numeric(x, loss));
    if (withW) assertGrad('rmsnorm dw', get64(be, dw, dim), numeric(w, loss));
  }
});

test('layernormBackward (dx, dw, db)', () => {
  const [rows, dim, eps] = [3, 6, 1e-5];
  const x = f64(rng.normals(rows * dim, 2));
  const w = f64(rng.uniform(dim, 0.5, 1.5));
  const b = f64(rng.uniform(dim));
  const r = f64(rng.normals(rows * dim));
  const out = zeros(be, rows * dim);
  const loss = () => {
    be.layernorm(out, put(be, x), put(be, w), put(be, b), rows, dim, eps);
    return dot(be, out, r);
  };
  const [dx, dw, db] = [zeros(be, rows * dim), zeros(be, dim), zeros(be, dim)];
  be.layernormBackward(dx, dw, db, put(be, r), put(be, x), put(be, w), rows, dim, eps);
  assertGrad('layernorm dx', get64(be, dx, rows * dim), numeric(x, loss));
  assertGrad('layernorm dw', get64(be, dw, dim), numeric(w, loss));
  assertGrad('layernorm db', get64(be, db, dim), numeric(b, loss));
});

test('softmaxBackward (scaled, causal)', () => {
  const [rows, cols, scale, pos0] = [4, 6, 0.7, 1];
  const x = f64(rng.normals(rows * cols));
  const r = f64(rng.normals(rows * cols));
  const out = zeros(be, rows * cols);
  const loss = () => {
    be.softmax(out, put(be, x), rows, cols, scale, pos0);
    return dot(be, out, r);
  };
  loss();
  const dx = zeros(be, rows * cols);
  be.softmaxBackward(dx, put(be, r), out, rows, cols, scale);
  assertGrad('softmax dx', get64(be, dx, rows * cols), numeric(x, loss));
});

test('siluBackward, geluBackward, geluErfBackward, swigluBackward', () => {
  const n = 23;
  const x = f64(rng.uniform(n, -5, 5));
  const u = f64(rng.uniform(n, -2, 2));
  const r = f64(rng.normals(n));
  const out = zeros(be, n);
  const dx = zeros(be, n);
  const du = zeros(be, n);
  const dr = put(be, r);
  const silu = () => {
    be.silu(out, put(be, x), n);
    return dot(be, out, r);
  };
  be.siluBackward(dx, dr, put(be, x), n);
  assertGrad('silu', get64(be, dx, n), numeric(x, silu));
  const gelu = () => {
    be.gelu(out, put(be, x), n);
    return dot(be, out, r);
  };
  be.geluBackward(dx, dr, put(be, x), n);
  assertGrad('gelu', get64(be, dx, n), numeric(x, gelu));
  const geluErf = () => {
    be.geluErf(out, put(be, x), n);
    return dot(be, out, r);
  };
  be.geluErfBackward(dx, dr, put(be, x), n);
  assertGrad('geluErf', get64(be, dx, n), numeric(x, geluErf));
  const swiglu = () => {
    be.swiglu(out, put(be, x), put(be, u), n);
    return dot(be, out, r);
  };
  be.swigluBackward(dx, du, dr, put(be, x), put(be, u), n);
  assertGrad('swiglu dgate', get64(be, dx, n), numeric(x, swiglu));
  assertGrad('swiglu dup', get64(be, du, n), numeric(u, swiglu));
});

test('crossEntropyBackward (scale, ignored rows)', () => {
  const [rows, vocab, scale] = [4, 9, 0.25];
  const logits = f64(rng.normals(rows * vocab, 3));
  const targets = new Int32Array([2, -1, 8, 0]);
  const losses = zeros(be, rows);
  const loss = () => {
    be.crossEntropy(losses, put(be, logits), targets, rows, vocab);
    return scale * get64(be, losses, rows).reduce((s, v) => s + v, 0);
  };
  const g = zeros(be, rows * vocab);
  be.crossEntropyBackward(g, put(be, logits), targets, rows, vocab, scale);
  const analytic = get64(be, g, rows * vocab);
  assertGrad('crossEntropy', analytic, numeric(logits, loss));
  for (let c = 0; c < vocab; c++) assert.equal(analytic[vocab + c], 0);
});

test('embeddingBackward (repeated ids) is the gradient of embedding', () => {
  const [rows, dim] = [5, 4];
  // Table values k/256 and step 1/16 keep every f32 table value exact, so differences are exact.
  const table = new Float32Array(rows * dim).map(() => rng.int(-256, 256) / 256);
  const ids = new Int32Array([3, 0, 3, 4, 3]);
  const r = f64(rng.normals(ids.length * dim));
  const out = zeros(be, ids.length * dim);
  const num = new Float64Array(rows * dim);
  const loss = () => {
    be.embedding(
      out,
      be.uploadWeight(GgmlType.F32, rows, dim, new Uint8Array(table.buffer)),
      ids,
      ids.length,
    );
    return dot(be, out, r);
  };
  for (let i = 0; i < table.length; i++) {
    const t0 = table[i];
    table[i] = t0 + 1 / 16;
    const lp = loss();
    table[i] = t0 - 1 / 16;
    const lm = loss();
    table[i] = t0;
    num[i] = (lp - lm) / (2 / 16);
  }
  const dt = zeros(be, rows * dim);
  be.embeddingBackward(dt, put(be, r), ids, ids.length, dim);
  assertGrad('embedding', get64(be, dt, rows * dim), num);
});

test('rope backward is rope with inverse: true', () => {
  const p = { tokens: 3, heads: 2, headDim: 8, ropeDim: 6, theta: 10000, freqScale: 0.5 };
  const n = p.tokens * p.heads * p.headDim;
  const positions = new Int32Array([5, 17, 400]);
  for (const neox of [false, true]) {
    const x = f64(rng.normals(n));
    const r = f64(rng.normals(n));
    const loss = () => {
      const b = put(be, x);
      be.rope(b, { ...p, positions, neox });
      return dot(be, b, r);
    };
    const g = put(be, r);
    be.rope(g, { ...p, positions, neox, inverse: true });
    assertGrad(`rope neox=${neox}`, get64(be, g, n), numeric(x, loss));
  }
});

test('attentionTrainBackward (dq, dk, dv; grouped-query)', () => {
  const p: AttentionTrainParams = { batch: 2, t: 4, nHead: 4, nKvHead: 2, headDim: 3, scale: 0.8 };
  const nq = p.batch * p.t * p.nHead * p.headDim;
  const nkv = p.batch * p.t * p.nKvHead * p.headDim;
  const np = p.batch * p.nHead * p.t * p.t;
  const q = f64(rng.normals(nq));
  const k = f64(rng.normals(nkv));
  const v = f64(rng.normals(nkv));
  const r = f64(rng.normals(nq));
  const out = zeros(be, nq);
  const probs = zeros(be, np);
  const loss = () => {
    be.attentionTrain(out, probs, put(be, q), put(be, k), put(be, v), p);
    return dot(be, out, r);
  };
  loss();
  const [dq, dk, dv] = [
    put(be, new Float64Array(nq).fill(9)),
    put(be, new Float64Array(nkv).fill(9)),
    zeros(be, nkv),
  ];
  be.attentionTrainBackward(dq, dk, dv, put(be, r), probs, put(be, q), put(be, k), put(be, v), p);
  assertGrad('attention dq', get64(be, dq, nq), numeric(q, loss));
  assertGrad('attention dk', get64(be, dk, nkv), numeric(k, loss));
  assertGrad('attention dv', get64(be, dv, nkv), numeric(v, loss));
});

test('matmul backward through transposed matmuls (dA = dC·Bᵀ, dB = Aᵀ·dC)', () => {
  const [m, n, k] = [3, 4, 5];
  for (const transB of [false, true]) {
    const a = f64(rng.normals(m * k));
    const b = f64(rng.normals(k * n));
    const r = f64(rng.normals(m * n));
    const out = zeros(be, m * n);
    const loss = () => {
      be.matmul(out, put(be, a), put(be, b), { m, n, k, transB });
      return dot(be, out, r);
    };
    const da = zeros(be, m * k);
    const db = zeros(be, k * n);
    const dc = put(be, r);
    // dA[m,k] = dC[m,n] · op(B)ᵀ; op(B)ᵀ is B itself when B is stored [N,K].
    be.matmul(da, dc, put(be, b), { m, n: k, k: n, transB: !transB });
    // dB: [K,N] = Aᵀ·dC, or [N,K] = dCᵀ·A when B is stored transposed.
    if (transB) be.matmul(db, dc, put(be, a), { m: n, n: k, k: m, transA: true });
    else be.matmul(db, put(be, a), dc, { m: k, n, k: m, transA: true });
    assertGrad(`matmul dA transB=${transB}`, get64(be, da, m * k), numeric(a, loss));
    assertGrad(`matmul dB transB=${transB}`, get64(be, db, k * n), numeric(b, loss));
  }
});
