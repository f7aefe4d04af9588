// rope: inverse ∘ rope = identity, NORM and NeoX related by a permutation of head dims, angles
// equal pos · freqScale · base^(−2i/ropeDim) / freqFactors[i], pass-through dims and strides.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShapeError } from '../../errors.js';
import { Rng } from '../conformance/random.js';
import { JsBackend } from './js-backend.js';
import { get, get64, maxDiff, put } from './testing.js';

const tokens = 5;
const heads = 3;
const headDim = 12;

test('inverse rope undoes rope (both layouts, partial ropeDim, freqScale, freqFactors)', () => {
  const be = new JsBackend({ float64: true });
  const rng = new Rng(10);
  const positions = rng.ints(tokens, 0, 5000);
  for (const neox of [false, true]) {
    for (const ropeDim of [headDim, 8]) {
      const x = Float64Array.from(rng.normals(tokens * heads * headDim));
      const buf = put(be, x);
      const freqFactors = rng.uniform(ropeDim / 2, 1, 8);
      const p = {
        tokens,
        heads,
        headDim,
        ropeDim,
        positions,
        theta: 10000,
        neox,
        freqScale: 0.25,
        freqFactors,
      };
      be.rope(buf, p);
      const y = get64(be, buf, x.length);
      assert.ok(maxDiff(y, x) > 0.1, 'rope changed x');
      be.rope(buf, { ...p, inverse: true });
      // cos and sin are f32 (as in ggml), so cos² + sin² = 1 only within ~2⁻²³.
      assert.ok(maxDiff(get64(be, buf, x.length), x) < 1e-6, `neox=${neox} ropeDim=${ropeDim}`);
    }
  }
});

test('NeoX rope equals NORM rope under the pair permutation (i, i+d/2) ↔ (2i, 2i+1)', () => {
  const be = new JsBackend();
  const rng = new Rng(11);
  const ropeDim = 8;
  const half = ropeDim / 2;
  const positions = rng.ints(tokens, 0, 100);
  // perm[j]: where NeoX dim j sits in the NORM layout.
  const perm = Array.from({ length: headDim }, (_, j) =>
    j >= ropeDim ? j : j < half ? 2 * j : 2 * (j - half) + 1,
  );
  const x = rng.normals(tokens * heads * headDim);
  const xp = new Float32Array(x.length);
  for (let r = 0; r < tokens * heads; r++)
    for (let j = 0; j < headDim; j++) xp[r * headDim + perm[j]] = x[r * headDim + j];
  const a = put(be, x);
  const b = put(be, xp);
  const p = { tokens, heads, headDim, ropeDim, positions, theta: 500 };
  be.rope(a, { ...p, neox: true });
  be.rope(b, { ...p, neox: false });
  const ya = get(be, a, x.length);
  const yb = get(be, b, x.length);
  for (let r = 0; r < tokens * heads; r++) {
    for (let j = 0; j < headDim; j++) assert.equal(ya[r * headDim + j], yb[r * headDim + perm[j]]);
  }
});

test('rope angles follow pos · freqScale · base^(−2i/ropeDim) / freqFactors[i]', () => {
  const be = new JsBackend({ float64: true });
  const ropeDim = 10;
  const half = ropeDim / 2;
  const base = 10000;
  const freqScale = 0.5;
  const freqFactors = new Float32Array([1, 2, 4, 1.5, 8]);
  const positions = new Int32Array([0, 1, 7, 300, 4095]);
  // One head per pair i, holding the unit vector e_{2i}: rope gives (cos, sin) of angle i.
  const x = new Float64Array(positions.length * half * headDim);
  for (let t = 0; t < positions.length; t++)
    for (let i = 0; i < half; i++) x[(t * half + i) * headDim + 2 * i] = 1;
  const buf = put(be, x);
  be.rope(buf, {
    tokens: positions.length,
    heads: half,
    headDim,
    ropeDim,
    positions,
    theta: base,
    neox: false,
    freqScale,
    freqFactors,
  });
  const y = get64(be, buf, x.length);
  for (let t = 0; t < positions.length; t++) {
    for (let i = 0; i < half; i++) {
      const angle = (positions[t] * freqScale * base ** ((-2 * i) / ropeDim)) / freqFactors[i];
      // ggml computes the angle in f32 with i successive multiplications: relative error ≤ (i + 3)·2⁻²⁴.
      const tol = angle * (i + 3) * 2 ** -24 + 1e-7;
      const o = (t * half + i) * headDim;
      assert.ok(Math.abs(y[o + 2 * i] - Math.cos(angle)) <= tol, `cos t=${t} i=${i}`);
      assert.ok(Math.abs(y[o + 2 * i + 1] - Math.sin(angle)) <= tol, `sin t=${t} i=${i}`);
      for (let j = 0; j < headDim; j++)
        if (j !== 2 * i && j !== 2 * i + 1) assert.ok(y[o + j] === 0, `dim ${j}`);
    }
  }
});

test('rope leaves dims ≥ ropeDim, row padding and elements before `off` untouched', () => {
  const be = new JsBackend();
  const rng = new Rng(12);
  const ropeDim = 6;
  const rowStride = heads * headDim + 5;
  const off = 7;
  const x = rng.normals(off + tokens * rowStride);
  const buf = put(be, x);
  for (const neox of [false, true]) {
    be.write(buf, x);
    be.rope(buf, {
      tokens,
      heads,
      headDim,
      ropeDim,
      positions: rng.ints(tokens, 1, 50),
      theta: 10000,
      neox,
      rowStride,
      off,
    });
    const y = get(be, buf, x.length);
    for (let i = 0; i < x.length; i++) {
      const inRow = (i - off) % rowStride;
      const rotated = i >= off && inRow < heads * headDim && inRow % headDim < ropeDim;
      if (!rotated) assert.equal(y[i], x[i], `element ${i}`);
    }
  }
});

test('rope validates its parameters', () => {
  const be = new JsBackend();
  const buf = be.alloc(4 * tokens * heads * headDim);
  const base = { tokens, heads, headDim, positions: new Int32Array(tokens), theta: 10000, neox: false };
  assert.throws(() => be.rope(buf, { ...base, ropeDim: 7 }), ShapeError);
  assert.throws(() => be.rope(buf, { ...base, positions: new Int32Array(2) }), ShapeError);
  assert.throws(
    () => be.rope(buf, { ...base, tokens: tokens + 1, positions: new Int32Array(9) }),
    ShapeError,
  );
  assert.throws(() => be.rope(buf, { ...base, freqFactors: new Float32Array(2) }), ShapeError);
});
