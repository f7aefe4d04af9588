// The Q8_0 KV cache of the JS reference backend:
// - quantizeRows is byte-exact with quantizeActivationRow (ggml's CPU from_float) row by row, at
//   offsets, and F32 rows are a copy;
// - attention over Q8_0 K/V equals f32 attention over the dequantized cache with each query head
//   row replaced by its Q8_0 round trip (what vec_dot_q8_0_q8_0 computes, up to f32 rounding),
//   with GQA, pos0, windows, strides and byte offsets;
// - bad shapes and types are typed errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShapeError, UnsupportedError } from '../../errors.js';
import { dequantizeRow, quantizeActivationRow } from '../../quant/index.js';
import { GgmlType } from '../../tensor/dtype.js';
import { Rng } from '../conformance/random.js';
import { JsBackend } from './js-backend.js';
import { get, maxAbs, maxDiff, put, zeros } from './testing.js';

test('quantizeRows: Q8_0 rows byte-exact with quantizeActivationRow; F32 rows copied', () => {
  const be = new JsBackend();
  const rng = new Rng(50);
  const [rows, cols, srcRow0, dstOff] = [5, 96, 2, 34 * 7];
  const x = rng.normals((rows + srcRow0) * cols, 3);
  x[srcRow0 * cols + 5] = 0; // a zero and an all-zero block
  x.fill(0, (srcRow0 + 1) * cols, (srcRow0 + 1) * cols + 32);
  const src = put(be, x);
  const rb = (cols / 32) * 34;
  const dst = be.alloc(dstOff + rows * rb + 10);
  be.quantizeRows(dst, src, rows, cols, GgmlType.Q8_0, dstOff, srcRow0 * cols);
  const got = new Uint8Array(rows * rb);
  be.read(dst, got, dstOff);
  const want = new Uint8Array(rows * rb);
  for (let r = 0; r < rows; r++) {
    quantizeActivationRow(GgmlType.Q8_0, x, (srcRow0 + r) * cols, want, r * rb, cols);
  }
  assert.deepEqual(got, want);

  const f = zeros(be, rows * cols + 3);
  be.quantizeRows(f, src, rows, cols, GgmlType.F32, 12, srcRow0 * cols);
  assert.deepEqual(
    get(be, f, rows * cols + 3).subarray(3),
    x.subarray(srcRow0 * cols, (srcRow0 + rows) * cols),
  );
});

test('quantizeRows: typed errors', () => {
  const be = new JsBackend();
  const src = zeros(be, 64);
  const dst = be.alloc(68);
  assert.throws(() => be.quantizeRows(dst, src, 1, 48, GgmlType.Q8_0), ShapeError); // cols % 32
  assert.throws(() => be.quantizeRows(dst, src, 3, 32, GgmlType.Q8_0), ShapeError); // src too small
  assert.throws(() => be.quantizeRows(dst, src, 2, 32, GgmlType.Q8_0, 2), ShapeError); // dst too small
  assert.throws(() => be.quantizeRows(dst, src, 1, 32, GgmlType.Q4_0), UnsupportedError);
  const b64 = new JsBackend({ float64: true });
  assert.throws(
    () => b64.quantizeRows(b64.alloc(68), zeros(b64, 32), 1, 32, GgmlType.Q8_0),
    UnsupportedError,
  );
});

/** Q8_0 round trip of n values (as ggml's from_float then to_float). */
function roundTrip(x: Float32Array, off: number, n: number): Float32Array {
  const b = new Uint8Array((n / 32) * 34);
  quantizeActivationRow(GgmlType.Q8_0, x, off, b, 0, n);
  const y = new Float32Array(n);
  dequantizeRow(GgmlType.Q8_0, b, 0, y, 0, n);
  return y;
}

test('attention over a Q8_0 cache equals f32 attention over the dequantized cache and q', () => {
  const be = new JsBackend();
  const rng = new Rng(51);
  for (const [tokens, nHead, nKvHead, hd, pos0, window] of [
    [1, 4, 4, 32, 9, 0],
    [5, 8, 2, 64, 3, 0],
    [4, 6, 3, 32, 10, 4],
    [3, 2, 1, 96, 0, 0],
  ] as const) {
    const kvDim = nKvHead * hd;
    const qDim = nHead * hd;
    const cap = pos0 + tokens + 2;
    const qStride = qDim + 4;
    const offQ = 2;
    const rowsOff = 3; // layer starts 3 rows in (byte offset 3·rowBytes for Q8_0)
    const q = rng.normals(offQ + tokens * qStride);
    const kf = rng.normals((rowsOff + cap) * kvDim);
    const vf = rng.normals((rowsOff + cap) * kvDim);
    const rb = (kvDim / 32) * 34;
    const k8 = be.alloc((rowsOff + cap) * rb);
    const v8 = be.alloc((rowsOff + cap) * rb);
    const kb = put(be, kf);
    const vb = put(be, vf);
    be.quantizeRows(k8, kb, rowsOff + cap, kvDim, GgmlType.Q8_0);
    be.quantizeRows(v8, vb, rowsOff + cap, kvDim, GgmlType.Q8_0);
    const base = {
      tokens,
      nHead,
      nKvHead,
      headDim: hd,
      pos0,
      scale: 1 / Math.sqrt(hd),
      offQ,
      qStride,
      ...(window === 0 ? {} : { window }),
    };
    const out = zeros(be, tokens * qDim);
    be.attention(out, put(be, q), k8, v8, {
      ...base,
      kvType: GgmlType.Q8_0,
      offK: rowsOff * rb,
      offV: rowsOff * rb,
    });
    // Reference: dequantized caches and Q8_0-rounded query heads through the f32 path.
    const kd = roundTrip(kf, 0, kf.length);
    const vd = roundTrip(vf, 0, vf.length);
    const qd = q.slice();
    for (let t = 0; t < tokens; t++) {
      for (let h = 0; h < nHead; h++)
        qd.set(roundTrip(q, offQ + t * qStride + h * hd, hd), offQ + t * qStride + h * hd);
    }
    const want = zeros(be, tokens * qDim);
    be.attention(want, put(be, qd), put(be, kd), put(be, vd), {
      ...base,
      offK: rowsOff * kvDim,
      offV: rowsOff * kvDim,
    });
    const a = get(be, out, tokens * qDim);
    const b = get(be, want, tokens * qDim);
    assert.ok(maxDiff(a, b) <= 1e-5 * maxAbs(b), `${tokens}/${nHead}/${nKvHead}/${hd}: ${maxDiff(a, b)}`);
    // And it is a real approximation of the unquantized attention (not a copy of it).
    const exact = zeros(be, tokens * qDim);
    be.attention(exact, put(be, q), kb, vb, { ...base, offK: rowsOff * kvDim, offV: rowsOff * kvDim });
    const e = get(be, exact, tokens * qDim);
    assert.ok(maxDiff(a, e) > 0 && maxDiff(a, e) < 0.05 * maxAbs(e), `q8 vs f32 ${maxDiff(a, e)}`);
  }
});

test('attention over a Q8_0 cache: typed errors', () => {
  const be = new JsBackend();
  const q = zeros(be, 48);
  const out = zeros(be, 48);
  const c = be.alloc(4 * 34);
  const p = { tokens: 1, nHead: 1, nKvHead: 1, headDim: 48, pos0: 0, scale: 1, kvType: GgmlType.Q8_0 };
  assert.throws(() => be.attention(out, q, c, c, p), UnsupportedError); // headDim % 32
  const q32 = zeros(be, 32);
  const p32 = { ...p, headDim: 32, pos0: 4 }; // needs 5 rows, the cache holds 4
  assert.throws(() => be.attention(out, q32, c, c, p32), ShapeError);
  assert.throws(
    () => be.attention(out, q32, c, c, { ...p32, pos0: 0, kvType: GgmlType.Q4_0 }),
    UnsupportedError,
  );
});
