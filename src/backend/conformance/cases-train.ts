// Conformance cases for the training kernels (backward ops, training attention, optimiser
// helpers), for memory operations and for size validation.
//
// Tolerances (see compare.ts for the rule):
// - backward kernels: rel 1e-5 (f32 row reductions; dw/db also sum over rows).
// - attentionTrain / attentionTrainBackward: rel 2e-5 (like attention; dK, dV sum over queries).
// - sumSquares: rel 1e-6 (the interface asks for f64 accumulation).
// - adamw: rel 1e-6 on param, m and v (a handful of f32 roundings per element).
// - memory ops: exact.

import { GgmlType } from '../../tensor/dtype.js';
import type { AttentionTrainParams } from '../backend.js';
import type { ConformanceCase, Outputs } from './context.js';

const BACKWARD = { rel: 1e-5 };

function backward(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  for (const [rows, dim] of [
    [1, 1],
    [3, 7],
    [4, 257],
    [2, 4113],
  ]) {
    const n = rows * dim;
    for (const affine of [true, false]) {
      cases.push({
        op: 'rmsnormBackward',
        name: `rows=${rows} dim=${dim}${affine ? '' : ' no gain'}`,
        tol: BACKWARD,
        run(ctx): Outputs {
          const dx = ctx.uniform(n);
          const dw = affine ? ctx.uniform(dim) : null;
          const w = affine ? ctx.uniform(dim, 0.5, 1.5) : null;
          ctx.be.rmsnormBackward(dx, dw, ctx.normals(n), ctx.normals(n, 2), w, rows, dim, 1e-5);
          return dw === null ? { dx: ctx.get(dx, n) } : { dx: ctx.get(dx, n), dw: ctx.get(dw, dim) };
        },
      });
      cases.push({
        op: 'layernormBackward',
        name: `rows=${rows} dim=${dim}${affine ? '' : ' no affine'}`,
        tol: BACKWARD,
        run(ctx): Outputs {
          const dx = ctx.uniform(n);
          const dw = affine ? ctx.uniform(dim) : null;
          const db = affine ? ctx.uniform(dim) : null;
          const w = affine ? ctx.uniform(dim, 0.5, 1.5) : null;
          ctx.be.layernormBackward(dx, dw, db, ctx.normals(n), ctx.uniform(n, 1, 3), w, rows, dim, 1e-5);
          if (dw === null || db === null) return { dx: ctx.get(dx, n) };
          return { dx: ctx.get(dx, n), dw: ctx.get(dw, dim), db: ctx.get(db, dim) };
        },
      });
      cases.push({
        op: 'softmaxBackward',
        name: `rows=${rows} cols=${dim}${affine ? ' scale=0.5' : ''}`,
        tol: BACKWARD,
        run(ctx) {
          const y = ctx.uniform(n);
          ctx.be.softmax(y, ctx.uniform(n, -5, 5), rows, dim);
          const dx = ctx.uniform(n);
          ctx.be.softmaxBackward(dx, ctx.normals(n), y, rows, dim, affine ? 0.5 : undefined);
          return { dx: ctx.get(dx, n) };
        },
      });
    }
    cases.push({
      op: 'crossEntropyBackward',
      name: `rows=${rows} vocab=${dim}`,
      tol: BACKWARD,
      run(ctx) {
        const targets = ctx.rng.ints(rows, 0, dim);
        if (rows > 1) targets[rows - 1] = -1;
        const g = ctx.uniform(n);
        ctx.be.crossEntropyBackward(g, ctx.normals(n, 3), targets, rows, dim, 1 / rows);
        return { dlogits: ctx.get(g, n) };
      },
    });
    cases.push({
      op: 'crossEntropyBackward',
      name: `rows=${rows} vocab=${dim}, statistics kept from crossEntropy`,
      tol: BACKWARD,
      run(ctx) {
        const targets = ctx.rng.ints(rows, 0, dim);
        if (rows > 1) targets[0] = -1;
        const logits = ctx.normals(n, 3);
        const losses = ctx.uniform(rows);
        const stats = ctx.uniform(4 * rows);
        ctx.be.crossEntropy(losses, logits, targets, rows, dim, stats);
        const g = ctx.uniform(n);
        ctx.be.crossEntropyBackward(g, logits, targets, rows, dim, 0.5 / rows, stats);
        return { losses: ctx.get(losses, rows), dlogits: ctx.get(g, n) };
      },
    });
    cases.push({
      op: 'siluBackward',
      name: `n=${n}`,
      tol: BACKWARD,
      run(ctx) {
        const dx = ctx.uniform(n);
        ctx.be.siluBackward(dx, ctx.normals(n), ctx.uniform(n, -10, 10), n);
        return { dx: ctx.get(dx, n) };
      },
    });
    cases.push({
      op: 'geluBackward',
      name: `n=${n}`,
      tol: BACKWARD,
      run(ctx) {
        const dx = ctx.uniform(n);
        ctx.be.geluBackward(dx, ctx.normals(n), ctx.uniform(n, -10, 10), n);
        return { dx: ctx.get(dx, n) };
      },
    });
    cases.push({
      op: 'geluErfBackward',
      name: `n=${n}`,
      tol: BACKWARD,
      run(ctx) {
        const dx = ctx.uniform(n);
        ctx.be.geluErfBackward(dx, ctx.normals(n), ctx.uniform(n, -10, 10), n);
        return { dx: ctx.get(dx, n) };
      },
    });
    cases.push({
      op: 'swigluBackward',
      name: `n=${n}`,
      tol: BACKWARD,
      run(ctx) {
        const dg = ctx.uniform(n);
        const du = ctx.uniform(n);
        ctx.be.swigluBackward(dg, du, ctx.normals(n), ctx.uniform(n, -10, 10), ctx.normals(n), n);
        return { dgate: ctx.get(dg, n), dup: ctx.get(du, n) };
      },
    });
    cases.push({
      op: 'embeddingBackward',
      name: `count=${rows + 3} dim=${dim}`,
      tol: BACKWARD,
      run(ctx) {
        const tableRows = 5;
        const ids = new Int32Array([4, 0, 4, ...ctx.rng.ints(rows, 0, tableRows)]);
        const dt = ctx.uniform(tableRows * dim);
        ctx.be.embeddingBackward(dt, ctx.normals(ids.length * dim), ids, ids.length, dim);
        return { dtable: ctx.get(dt, tableRows * dim) };
      },
    });
  }
  return cases;
}

function attentionTrain(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  const shapes: AttentionTrainParams[] = [
    { batch: 1, t: 1, nHead: 1, nKvHead: 1, headDim: 1, scale: 1 },
    { batch: 2, t: 7, nHead: 4, nKvHead: 2, headDim: 16, scale: 0.25 },
    { batch: 1, t: 33, nHead: 2, nKvHead: 2, headDim: 9, scale: 1 / 3 },
    { batch: 3, t: 12, nHead: 6, nKvHead: 1, headDim: 32, scale: 1 / Math.sqrt(32) },
    // hd % 8 ≥ 4 (the 4-column tile path), T past the 32-row backward blocks
    { batch: 2, t: 70, nHead: 4, nKvHead: 2, headDim: 20, scale: 1 / Math.sqrt(20) },
    { batch: 1, t: 5, nHead: 3, nKvHead: 3, headDim: 12, scale: 0.3 },
  ];
  for (const p of shapes) {
    const nq = p.batch * p.t * p.nHead * p.headDim;
    const nkv = p.batch * p.t * p.nKvHead * p.headDim;
    const np = p.batch * p.nHead * p.t * p.t;
    const name = JSON.stringify(p);
    cases.push({
      op: 'attentionTrain',
      name,
      tol: { rel: 2e-5 },
      run(ctx) {
        const out = ctx.uniform(nq);
        const probs = ctx.uniform(np);
        ctx.be.attentionTrain(out, probs, ctx.normals(nq), ctx.normals(nkv), ctx.normals(nkv), p);
        return { out: ctx.get(out, nq), probs: ctx.get(probs, np) };
      },
    });
    cases.push({
      op: 'attentionTrainBackward',
      name,
      tol: { rel: 2e-5 },
      run(ctx) {
        const [q, k, v] = [ctx.normals(nq), ctx.normals(nkv), ctx.normals(nkv)];
        const out = ctx.uniform(nq);
        const probs = ctx.uniform(np);
        // Each backend feeds its own forward probabilities to its backward.
        ctx.be.attentionTrain(out, probs, q, k, v, p);
        const [dq, dk, dv] = [ctx.uniform(nq), ctx.uniform(nkv), ctx.uniform(nkv)];
        ctx.be.attentionTrainBackward(dq, dk, dv, ctx.normals(nq), probs, q, k, v, p);
        return { dq: ctx.get(dq, nq), dk: ctx.get(dk, nkv), dv: ctx.get(dv, nkv) };
      },
    });
  }
  return cases;
}

function optimiser(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  for (const n of [1, 7, 1027, 100003]) {
    cases.push({
      op: 'sumSquares',
      name: `n=${n}`,
      tol: { rel: 1e-6 },
      run: (ctx) => ({ sum: ctx.be.sumSquares(ctx.normals(n), n) }),
    });
  }
  for (const [n, step, gradScale] of [
    [1, 1, undefined],
    [1027, 1, 0.5],
    [4113, 10, 1],
  ] as const) {
    cases.push({
      op: 'adamw',
      name: `n=${n} step=${step} gradScale=${gradScale}`,
      tol: { rel: 1e-6 },
      run(ctx) {
        const param = ctx.normals(n);
        const m = ctx.normals(n, 0.01);
        const v = ctx.uniform(n, 0, 1e-4);
        const p = { n, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, step };
        ctx.be.adamw(param, ctx.normals(n, 0.1), m, v, gradScale === undefined ? p : { ...p, gradScale });
        return { param: ctx.get(param, n), m: ctx.get(m, n), v: ctx.get(v, n) };
      },
    });
  }
  return cases;
}

function memory(): ConformanceCase[] {
  return [
    {
      op: 'memory',
      name: 'write/read/view/fill/copy',
      tol: { rel: 0 },
      run(ctx) {
        const n = 1031;
        const a = ctx.uniform(n);
        const v = ctx.be.view(a, 4 * 100, 4 * 500);
        ctx.be.fill(v, 0.25, 17, 3);
        const b = ctx.uniform(n);
        ctx.be.copy(b, v, 200, 5, 10);
        ctx.be.copy(b, b, 300, 1, 0); // overlapping
        ctx.be.write(b, ctx.rng.uniform(9), 4 * 1000);
        const part = new Float32Array(7);
        ctx.be.read(b, part, 4 * 998);
        return { a: ctx.get(a, n), b: ctx.get(b, n), part };
      },
    },
  ];
}

/** Cases where every backend must throw a ShapeError (sizes that do not fit). */
function validation(): ConformanceCase[] {
  const shape = (op: string, name: string, run: ConformanceCase['run']): ConformanceCase => ({
    op,
    name,
    tol: { rel: 0 },
    throws: 'ShapeError',
    run,
  });
  return [
    shape('matmul', 'a smaller than m·k', (ctx) => {
      ctx.be.matmul(ctx.uniform(15), ctx.uniform(14), ctx.uniform(9), { m: 5, n: 3, k: 3 });
      return {};
    }),
    shape('matmul', 'out smaller than the batch', (ctx) => {
      ctx.be.matmul(ctx.uniform(15), ctx.uniform(30), ctx.uniform(18), { m: 5, n: 3, k: 3, batch: 2 });
      return {};
    }),
    shape('linear', 'out smaller than m·rows', (ctx) => {
      const w = ctx.weight(ctx.be.uploadWeight(GgmlType.F32, 4, 8, new Uint8Array(4 * 32)));
      ctx.be.linear(ctx.uniform(7), ctx.uniform(16), w, 2);
      return {};
    }),
    shape('rmsnorm', 'x smaller than rows·dim', (ctx) => {
      ctx.be.rmsnorm(ctx.uniform(12), ctx.uniform(11), null, 3, 4, 1e-5);
      return {};
    }),
    shape('attention', 'kCache shorter than pos0 + tokens', (ctx) => {
      const p = { tokens: 2, nHead: 2, nKvHead: 1, headDim: 4, pos0: 5, scale: 0.5 };
      ctx.be.attention(ctx.uniform(16), ctx.uniform(16), ctx.uniform(24), ctx.uniform(28), p);
      return {};
    }),
    shape('softmax', 'out smaller than rows·cols', (ctx) => {
      ctx.be.softmax(ctx.uniform(5), ctx.uniform(6), 2, 3);
      return {};
    }),
  ];
}

export function trainCases(): ConformanceCase[] {
  return [...backward(), ...attentionTrain(), ...optimiser(), ...memory(), ...validation()];
}
