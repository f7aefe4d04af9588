// linear and embedding for every weight type: F32 against matmul; other types against the
// dot of the dequantized weight with the dequantized converted activation (what vec_dot
// computes, up to f32 scale arithmetic); embedding against dequantizeRow; validation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShapeError, UnsupportedError } from '../../errors.js';
import { dequantizeRow, quantizeActivationRow, vecDotType } from '../../quant/index.js';
import { GgmlType, rowBytes, typeName, typeTraits } from '../../tensor/dtype.js';
import { Rng } from '../conformance/random.js';
import { randomWeight } from '../conformance/weights.js';
import { JS_WEIGHT_TYPES } from './index.js';
import { JsBackend } from './js-backend.js';
import { get, put } from './testing.js';

test('the JS backend supports F32, F16, BF16 and the classic and K quant formats', () => {
  for (const t of [
    GgmlType.F32,
    GgmlType.F16,
    GgmlType.BF16,
    GgmlType.Q4_0,
    GgmlType.Q8_0,
    GgmlType.Q4_K,
    GgmlType.Q6_K,
  ]) {
    assert.ok(JS_WEIGHT_TYPES.includes(t), typeName(t));
  }
});

test('F32 linear equals matmul with a transposed B (accumulate, offsets)', () => {
  const be = new JsBackend();
  const rng = new Rng(40);
  const [m, rows, cols] = [3, 5, 7];
  const wf = rng.normals(rows * cols);
  const w = be.uploadWeight(GgmlType.F32, rows, cols, new Uint8Array(wf.buffer));
  const x = put(be, rng.normals(2 + m * cols));
  const o0 = rng.normals(1 + m * rows);
  const out = put(be, o0);
  be.linear(out, x, w, m, true, 2, 1);
  const ref = put(be, o0);
  be.matmul(ref, x, put(be, wf), { m, n: rows, k: cols, transB: true, accumulate: true, offA: 2, offOut: 1 });
  assert.deepEqual(get(be, out, o0.length), get(be, ref, o0.length));
});

for (const type of JS_WEIGHT_TYPES.filter((t) => t !== GgmlType.F32)) {
  test(`${typeName(type)} linear equals the dequantized dot; embedding equals dequantizeRow`, () => {
    const be = new JsBackend();
    const rng = new Rng(41 + type);
    const bs = typeTraits(type).blockSize;
    const [m, rows, cols] = [3, 5, bs === 1 ? 67 : 2 * Math.max(bs, 32)];
    const bytes = randomWeight(type, rows, cols, rng);
    const w = be.uploadWeight(type, rows, cols, bytes);
    const xf = rng.normals(m * cols);
    const out = put(be, new Float32Array(m * rows));
    be.linear(out, put(be, xf), w, m);
    const got = get(be, out, m * rows);
    // Reference: dequantized weight rows · dequantized activation rows, in f64.
    const vt = vecDotType(type);
    const wd = new Float32Array(rows * cols);
    const rb = rowBytes(type, cols)!;
    for (let r = 0; r < rows; r++) dequantizeRow(type, bytes, r * rb, wd, r * cols, cols);
    const xq = new Uint8Array(rowBytes(vt, cols)!);
    const xd = new Float32Array(cols);
    for (let i = 0; i < m; i++) {
      quantizeActivationRow(vt, xf, i * cols, xq, 0, cols);
      dequantizeRow(vt, xq, 0, xd, 0, cols);
      for (let r = 0; r < rows; r++) {
        let sum = 0;
        let mag = 0;
        for (let c = 0; c < cols; c++) {
          sum += wd[r * cols + c] * xd[c];
          mag += Math.abs(wd[r * cols + c] * xd[c]);
        }
        // vec_dot applies block scales in f32 (1e-5); Q8_1's per-block sum is an f16 (2e-3).
        const tol = (vt === GgmlType.Q8_1 ? 2e-3 : 1e-5) * mag;
        assert.ok(Math.abs(got[i * rows + r] - sum) <= tol, `[${i},${r}] ${got[i * rows + r]} vs ${sum}`);
      }
    }
    // Activations in f64 storage are converted through f32 first: same result.
    const be64 = new JsBackend({ float64: true });
    const out64 = put(be64, new Float32Array(m * rows));
    be64.linear(out64, put(be64, xf), be64.uploadWeight(type, rows, cols, bytes), m);
    assert.deepEqual(get(be64, out64, m * rows), got);
    // Embedding.
    const ids = new Int32Array([4, 0, 4]);
    const emb = put(be, new Float32Array(ids.length * cols));
    be.embedding(emb, w, ids, ids.length);
    const e = get(be, emb, ids.length * cols);
    for (let i = 0; i < ids.length; i++)
      assert.deepEqual(e.subarray(i * cols, (i + 1) * cols), wd.subarray(ids[i] * cols, (ids[i] + 1) * cols));
  });
}

test('uploadWeight, linear and embedding validate their inputs', () => {
  const be = new JsBackend();
  assert.throws(() => be.uploadWeight(GgmlType.Q8_0, 2, 32, new Uint8Array(67)), ShapeError);
  assert.throws(() => be.uploadWeight(GgmlType.Q8_0, 2, 33, new Uint8Array(68)), ShapeError);
  assert.throws(() => be.uploadWeight(GgmlType.IQ2_XXS, 1, 256, new Uint8Array(66)), UnsupportedError);
  assert.equal(be.supportsWeight(GgmlType.IQ2_XXS), false);
  const w = be.uploadWeight(GgmlType.F32, 2, 3, new Uint8Array(24));
  const small = be.alloc(4 * 5);
  assert.throws(
    () => be.linear(small, small, w, 2),
    (e: unknown) => e instanceof ShapeError && /linear/.test(e.message) && /6/.test(e.message),
  );
  assert.throws(() => be.embedding(small, w, new Int32Array([2]), 1), ShapeError);
  assert.throws(() => be.embedding(small, w, new Int32Array([-1]), 1), ShapeError);
  assert.throws(() => be.embedding(small, w, new Int32Array([0]), 2), ShapeError);
  const other = new JsBackend();
  assert.throws(() => other.linear(small, small, w, 1));
});
