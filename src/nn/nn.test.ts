// nn/ building blocks on the JS reference backend, against naive float64 loops written here.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { JsBackend } from '../backend/js/index.js';
import { f16ToF32, f32ToF16 } from '../quant/index.js';
import { GgmlType } from '../tensor/dtype.js';
import { KVCache } from './kv-cache.js';
import { Linear } from './linear.js';
import { LayerNorm, RMSNorm } from './norm.js';

const b = new JsBackend();
after(() => b.dispose());

function rnd(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 1073741824 - 1;
  });
}

function buf(data: Float32Array) {
  const x = b.alloc(data.length * 4);
  b.write(x, data);
  return x;
}

function read(x: ReturnType<typeof buf>, n: number): Float32Array {
  const out = new Float32Array(n);
  b.read(x, out);
  return out;
}

test('Linear: y = x·Wᵀ + b, residual accumulate, offsets, F16 weights', () => {
  const [m, k, n] = [3, 40, 7];
  const w = rnd(n * k, 1);
  const bias = rnd(n, 2);
  const x = rnd(m * k, 3);
  const res = rnd(m * n, 4);
  const lin = new Linear(b, b.uploadWeight(GgmlType.F32, n, k, new Uint8Array(w.buffer)), buf(bias));
  assert.equal(lin.inFeatures, k);
  assert.equal(lin.outFeatures, n);
  const xb = buf(x);
  const yb = buf(res);
  lin.forward(yb, xb, m, true);
  const y = read(yb, m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = bias[j]! + res[i * n + j]!;
      for (let t = 0; t < k; t++) s += x[i * k + t]! * w[j * k + t]!;
      assert.ok(Math.abs(y[i * n + j]! - s) < 1e-5, `(${i}, ${j})`);
    }
  }
  // Row offset into x, no bias: one row.
  const plain = new Linear(b, b.uploadWeight(GgmlType.F32, n, k, new Uint8Array(w.buffer)));
  const y1 = b.alloc(n * 4);
  plain.forward(y1, xb, 1, false, 2 * k);
  const r1 = read(y1, n);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let t = 0; t < k; t++) s += x[2 * k + t]! * w[j * k + t]!;
    assert.ok(Math.abs(r1[j]! - s) < 1e-5);
  }
  // F16 weights: close to the F32 product of the f16-rounded weights.
  const h = Uint16Array.from(w, (v) => f32ToF16(v));
  const lin16 = new Linear(b, b.uploadWeight(GgmlType.F16, n, k, new Uint8Array(h.buffer)));
  const y2 = b.alloc(m * n * 4);
  lin16.forward(y2, xb, m);
  const r2 = read(y2, m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += x[i * k + t]! * f16ToF32(h[j * k + t]!);
      assert.ok(Math.abs(r2[i * n + j]! - s) < 1e-2, `f16 (${i}, ${j}): ${r2[i * n + j]} vs ${s}`);
    }
  }
  lin.dispose();
  plain.dispose();
  lin16.dispose();
});

test('RMSNorm and LayerNorm rows', () => {
  const [rows, dim] = [2, 6];
  const x = rnd(rows * dim, 5);
  const g = rnd(dim, 6);
  const beta = rnd(dim, 7);
  const out = b.alloc(rows * dim * 4);
  new RMSNorm(b, buf(g), dim, 1e-5).forward(out, buf(x), rows);
  const r = read(out, rows * dim);
  new LayerNorm(b, buf(g), buf(beta), dim, 1e-5).forward(out, buf(x), rows);
  const l = read(out, rows * dim);
  for (let i = 0; i < rows; i++) {
    const row = Array.from(x.subarray(i * dim, (i + 1) * dim));
    const ms = row.reduce((a, v) => a + v * v, 0) / dim;
    const mean = row.reduce((a, v) => a + v, 0) / dim;
    const vr = row.reduce((a, v) => a + (v - mean) ** 2, 0) / dim;
    row.forEach((v, j) => {
      assert.ok(Math.abs(r[i * dim + j]! - (v / Math.sqrt(ms + 1e-5)) * g[j]!) < 1e-5);
      assert.ok(Math.abs(l[i * dim + j]! - ((v - mean) / Math.sqrt(vr + 1e-5)) * g[j]! - beta[j]!) < 1e-5);
    });
  }
});

test('KVCache.put stores rows at layer·capacity + pos', () => {
  const c = new KVCache(b, 3, 5, 4);
  assert.equal(KVCache.bytes(3, 5, 4), 2 * 3 * 5 * 4 * 4);
  const k = buf(Float32Array.from({ length: 12 }, (_, i) => i + 1));
  const v = buf(Float32Array.from({ length: 12 }, (_, i) => -(i + 1)));
  b.fill(c.k, 0, 60);
  b.fill(c.v, 0, 60);
  c.put(2, 3, k, v, 1, 2); // rows 1..2 of the new keys → layer 2, positions 3..4
  const ks = read(c.k, 60);
  const vs = read(c.v, 60);
  const at = c.layerOffset(2) + 3 * 4;
  assert.equal(c.layerOffset(2), 40);
  assert.deepEqual(Array.from(ks.subarray(at, at + 8)), [5, 6, 7, 8, 9, 10, 11, 12]);
  assert.deepEqual(Array.from(vs.subarray(at, at + 8)), [-5, -6, -7, -8, -9, -10, -11, -12]);
  assert.equal(
    ks.reduce((a, x) => a + Math.abs(x), 0),
    5 + 6 + 7 + 8 + 9 + 10 + 11 + 12,
  );
  c.dispose();
});
