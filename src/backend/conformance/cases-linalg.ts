// Conformance cases for matmul, linear and embedding.
//
// Tolerances (see compare.ts for the rule):
// - f32 products: rel 1e-5 · max(1, √(K/256)). The reference sums in f64; a backend summing in
//   f32 (any order, FMA or not) has a rounding error that grows like √K times the output scale.
// - F16/BF16 weights: the same (ggml converts activations to the weight type first, exactly).
// - block-quantized weights: rel 1e-4. Both sides quantize the activation row with ggml's
//   reference rounding and take integer block dots; what remains is the f32 order in which block
//   scales are applied and summed.
// - embedding: rel 1e-6 (one f32 dequantization per element; allows an FMA in d·q − m).

import { GgmlType, typeName, typeTraits } from '../../tensor/dtype.js';
import { JS_WEIGHT_TYPES } from '../js/index.js';
import type { Tol } from './compare.js';
import type { CaseContext, ConformanceCase, Outputs } from './context.js';
import { Rng } from './random.js';
import { randomWeight } from './weights.js';

function f32Tol(k: number): Tol {
  return { rel: 1e-5 * Math.max(1, Math.sqrt(k / 256)) };
}

interface MatmulShape {
  m: number;
  n: number;
  k: number;
}

const MATMUL_SHAPES: MatmulShape[] = [
  { m: 1, n: 1, k: 1 },
  { m: 1, n: 3, k: 4113 }, // long K, not a multiple of 4/8/32/256
  { m: 1, n: 300, k: 257 }, // matvec
  { m: 7, n: 13, k: 33 },
  { m: 17, n: 9, k: 260 },
  { m: 33, n: 65, k: 31 },
  { m: 64, n: 72, k: 80 }, // multiples of common tile sizes
];

function matmulCase(name: string, s: MatmulShape, extra: Record<string, number | boolean>): ConformanceCase {
  return {
    op: 'matmul',
    name: `${name} m=${s.m} n=${s.n} k=${s.k} ${JSON.stringify(extra)}`,
    tol: f32Tol(s.k),
    run(ctx: CaseContext): Outputs {
      const batch = (extra.batch as number | undefined) ?? 1;
      const pad = extra.padded === true;
      const transA = extra.transA === true;
      const transB = extra.transB === true;
      const [aRows, aCols] = transA ? [s.k, s.m] : [s.m, s.k];
      const [bRows, bCols] = transB ? [s.n, s.k] : [s.k, s.n];
      const lda = aCols + (pad ? 3 : 0);
      const ldb = bCols + (pad ? 1 : 0);
      const ldo = s.n + (pad ? 2 : 0);
      const strideA = aRows * lda + (pad ? 5 : 0);
      const strideB = extra.broadcastB === true ? 0 : bRows * ldb + (pad ? 7 : 0);
      const strideOut = s.m * ldo + (pad ? 1 : 0);
      const offA = pad ? 2 : 0;
      const offB = pad ? 3 : 0;
      const offOut = pad ? 4 : 0;
      const nOut = offOut + batch * strideOut;
      const a = ctx.uniform(offA + (batch - 1) * strideA + aRows * lda);
      const b = ctx.uniform(offB + (batch - 1) * strideB + bRows * ldb);
      const out = ctx.uniform(nOut);
      const base = { m: s.m, n: s.n, k: s.k, transA, transB, batch };
      const acc = extra.accumulate === true ? { accumulate: true, alpha: 0.375 } : {};
      const layout = pad ? { lda, ldb, ldo, strideA, strideB, strideOut, offA, offB, offOut } : {};
      const bcast = extra.broadcastB === true ? { strideB: 0 } : {};
      ctx.be.matmul(out, a, b, { ...base, ...acc, ...layout, ...bcast });
      return { out: ctx.get(out, nOut) };
    },
  };
}

function matmulCases(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  for (const s of MATMUL_SHAPES) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) cases.push(matmulCase('plain', s, { transA, transB }));
    }
  }
  const s = { m: 5, n: 11, k: 37 };
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      cases.push(matmulCase('batched, padded', s, { transA, transB, batch: 3, padded: true }));
      cases.push(matmulCase('accumulate', s, { transA, transB, accumulate: true }));
    }
  }
  cases.push(matmulCase('batched, shared B', s, { batch: 4, broadcastB: true, transB: true }));
  cases.push(
    matmulCase(
      'batched, padded, accumulate',
      { m: 1, n: 7, k: 300 },
      { batch: 2, padded: true, accumulate: true },
    ),
  );
  return cases;
}

/** Column counts for a weight type: awkward sizes that are whole blocks. */
function weightCols(type: GgmlType): number[] {
  const bs = typeTraits(type).blockSize;
  if (bs === 1) return [1, 33, 4113];
  if (bs === 32) return [32, 96, 4128];
  return [bs, 3 * bs, 17 * bs];
}

function weightTol(type: GgmlType, cols: number): Tol {
  if (type === GgmlType.F32 || type === GgmlType.F16 || type === GgmlType.BF16) return f32Tol(cols);
  return { rel: 1e-4 };
}

/** Weight bytes are generated once per (type, shape, seed) and shared by both backends. */
const weightMemo = new Map<string, Uint8Array>();

function cachedWeight(type: GgmlType, rows: number, cols: number, seed: number): Uint8Array {
  const key = `${type} ${rows} ${cols} ${seed}`;
  let w = weightMemo.get(key);
  if (w === undefined) {
    if (weightMemo.size > 64) weightMemo.clear();
    w = randomWeight(type, rows, cols, new Rng(seed ^ 0x5eed));
    weightMemo.set(key, w);
  }
  return w;
}

function linearCases(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  for (const type of JS_WEIGHT_TYPES) {
    const colList = weightCols(type);
    for (const cols of colList) {
      // Many rows for the short rows; few rows for the long ones (cost).
      const shapes: [number, number, boolean][] =
        cols === colList[0]
          ? [
              [1, 67, false],
              [5, 7, false],
              [3, 1, true],
            ]
          : [
              [1, 5, false],
              [2, 3, true],
            ];
      for (const [m, rows, accumulate] of shapes) {
        cases.push({
          op: 'linear',
          name: `${typeName(type)} m=${m} rows=${rows} cols=${cols}${accumulate ? ' accumulate, offsets' : ''}`,
          tol: weightTol(type, cols),
          weightType: type,
          run(ctx) {
            const bytes = cachedWeight(type, rows, cols, ctx.seed);
            const w = ctx.weight(ctx.be.uploadWeight(type, rows, cols, bytes));
            const [offX, offOut] = accumulate ? [3, 2] : [0, 0];
            const x = ctx.normals(offX + m * cols);
            const out = ctx.uniform(offOut + m * rows);
            ctx.be.linear(out, x, w, m, accumulate, offX, offOut);
            return { out: ctx.get(out, offOut + m * rows) };
          },
        });
      }
    }
    const cols = weightCols(type)[1];
    cases.push({
      op: 'embedding',
      name: `${typeName(type)} cols=${cols}`,
      tol: { rel: 1e-6 },
      weightType: type,
      run(ctx) {
        const rows = 9;
        const w = ctx.weight(ctx.be.uploadWeight(type, rows, cols, cachedWeight(type, rows, cols, ctx.seed)));
        const ids = new Int32Array([8, 0, 3, 3, 5]);
        const out = ctx.uniform(ids.length * cols);
        ctx.be.embedding(out, w, ids, ids.length);
        return { out: ctx.get(out, ids.length * cols) };
      },
    });
  }
  return cases;
}

export function linalgCases(): ConformanceCase[] {
  return [...matmulCases(), ...linearCases()];
}
