// matmul against a naive triple loop over nested arrays, for every transpose / batch /
// accumulate / stride combination, plus size validation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShapeError } from '../../errors.js';
import { Rng } from '../conformance/random.js';
import { JsBackend } from './js-backend.js';
import { get, put } from './testing.js';

type Mat = number[][];

/** Element (r, c) of a matrix stored at `off` with row stride `ld`. */
function load(a: Float32Array, off: number, rows: number, cols: number, ld: number): Mat {
  return Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => a[off + r * ld + c]));
}

function transpose(x: Mat): Mat {
  return x[0] === undefined ? [] : x[0].map((_, c) => x.map((row) => row[c]));
}

function product(x: Mat, y: Mat, n: number): Mat {
  return x.map((row) => Array.from({ length: n }, (_, j) => row.reduce((s, v, p) => s + v * y[p][j], 0)));
}

test('matmul matches a naive triple loop for every layout combination', () => {
  const be = new JsBackend();
  const rng = new Rng(1);
  let cases = 0;
  for (const [m, n, k] of [
    [1, 1, 1],
    [3, 5, 7],
    [4, 1, 9],
    [1, 6, 33],
  ]) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        for (const accumulate of [false, true]) {
          for (const batch of [1, 3]) {
            for (const padded of [false, true]) {
              const alpha = accumulate ? 0.75 : 1;
              const aRows = transA ? k : m;
              const aCols = transA ? m : k;
              const bRows = transB ? n : k;
              const bCols = transB ? k : n;
              // Padded layouts: wider rows, gaps between batch items, non-zero offsets.
              const lda = padded ? aCols + 2 : aCols;
              const ldb = padded ? bCols + 3 : bCols;
              const ldo = padded ? n + 1 : n;
              const strideA = padded ? aRows * lda + 5 : aRows * lda;
              const strideB = padded ? bRows * ldb + 1 : bRows * ldb;
              const strideOut = padded ? m * ldo + 2 : m * ldo;
              const offA = padded ? 3 : 0;
              const offB = padded ? 2 : 0;
              const offOut = padded ? 4 : 0;
              const A = rng.uniform(offA + batch * strideA);
              const B = rng.uniform(offB + batch * strideB);
              const O0 = rng.uniform(offOut + batch * strideOut);
              const out = put(be, O0);
              const params = { m, n, k, transA, transB, accumulate, alpha, batch, offA, offB, offOut };
              be.matmul(
                out,
                put(be, A),
                put(be, B),
                padded ? { ...params, lda, ldb, ldo, strideA, strideB, strideOut } : params,
              );
              const got = get(be, out, O0.length);
              const touched = new Set<number>();
              for (let bi = 0; bi < batch; bi++) {
                let opA = load(A, offA + bi * strideA, aRows, aCols, lda);
                let opB = load(B, offB + bi * strideB, bRows, bCols, ldb);
                if (transA) opA = transpose(opA);
                if (transB) opB = transpose(opB);
                const c = product(opA, opB, n);
                for (let i = 0; i < m; i++) {
                  for (let j = 0; j < n; j++) {
                    const idx = offOut + bi * strideOut + i * ldo + j;
                    touched.add(idx);
                    const want = Math.fround((accumulate ? O0[idx] : 0) + alpha * c[i][j]);
                    assert.ok(
                      Math.abs(got[idx] - want) <= 1e-6 * (1 + Math.abs(want)),
                      `case ${cases} [${idx}]`,
                    );
                  }
                }
              }
              for (let idx = 0; idx < O0.length; idx++) {
                if (!touched.has(idx)) assert.equal(got[idx], O0[idx], `padding element ${idx} was written`);
              }
              cases++;
            }
          }
        }
      }
    }
  }
  assert.equal(cases, 4 * 2 * 2 * 2 * 2 * 2);
});

test('matmul handles empty dimensions', () => {
  const be = new JsBackend();
  const out = put(be, new Float32Array([5, 6]));
  be.matmul(out, be.alloc(0), be.alloc(0), { m: 1, n: 2, k: 0 });
  assert.deepEqual([...get(be, out, 2)], [0, 0]);
});

test('matmul throws ShapeError naming the op and both sizes', () => {
  const be = new JsBackend();
  const a = be.alloc(4 * 14);
  const b = be.alloc(4 * 15);
  const out = be.alloc(4 * 15);
  assert.throws(
    () => be.matmul(out, a, b, { m: 5, n: 3, k: 3 }),
    (e: unknown) =>
      e instanceof ShapeError && /matmul/.test(e.message) && /14/.test(e.message) && /15/.test(e.message),
  );
  assert.throws(() => be.matmul(out, b, b, { m: 5, n: 3, k: 3, lda: 2 }), ShapeError);
  assert.throws(() => be.matmul(out, b, b, { m: 5, n: 3, k: 3, batch: 2 }), ShapeError);
  assert.throws(() => be.matmul(out, b, b, { m: -1, n: 3, k: 3 }), ShapeError);
  assert.throws(() => be.matmul(out, b, b, { m: 1.5, n: 3, k: 3 }), ShapeError);
});
