// Conformance cases for the inference ops: norms, softmax, rope, attention, element-wise ops and
// cross-entropy.
//
// Tolerances (see compare.ts for the rule):
// - add, mul, scale, addBias: rel 1e-6 (one f32 rounding; scale's factor may be f32 on one side).
// - silu, gelu, geluErf, swiglu: rel 1e-5 (f32 exp/tanh/erfc approximations of a few ulp).
// - rmsnorm, layernorm, softmax, crossEntropy: rel 1e-5 (f32 row sums up to a few thousand long).
// - rope: rel 1e-5 (ggml's f32 angles; cos/sin must be accurate at angles in the thousands).
// - attention: rel 2e-5 (two f32 reductions of up to a few hundred positions plus exp).

import type { AttentionParams, RopeParams } from '../backend.js';
import type { CaseContext, ConformanceCase, Outputs } from './context.js';

const SIZES = [1, 7, 64, 257, 1027, 4113];

function elementwise(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  const exact = { rel: 1e-6 };
  const act = { rel: 1e-5 };
  for (const n of SIZES) {
    const one = (
      op: string,
      tol: { rel: number },
      f: (c: CaseContext, out: ReturnType<CaseContext['put']>) => void,
    ) =>
      cases.push({
        op,
        name: `n=${n}`,
        tol,
        run(ctx): Outputs {
          const out = ctx.uniform(n);
          f(ctx, out);
          return { out: ctx.get(out, n) };
        },
      });
    one('add', exact, (c, out) => c.be.add(out, c.uniform(n), c.uniform(n), n));
    one('mul', exact, (c, out) => c.be.mul(out, c.uniform(n), c.uniform(n), n));
    one('scale', exact, (c, out) => c.be.scale(out, c.uniform(n), 0.3, n));
    one('silu', act, (c, out) => c.be.silu(out, c.uniform(n, -12, 12), n));
    one('gelu', act, (c, out) => c.be.gelu(out, c.uniform(n, -12, 12), n));
    one('geluErf', act, (c, out) => c.be.geluErf(out, c.uniform(n, -12, 12), n));
    one('swiglu', act, (c, out) => c.be.swiglu(out, c.uniform(n, -12, 12), c.uniform(n, -3, 3), n));
  }
  // In place: out aliases the first input.
  cases.push({
    op: 'add',
    name: 'in place n=65',
    tol: exact,
    run(ctx) {
      const a = ctx.uniform(65);
      ctx.be.add(a, a, ctx.uniform(65), 65);
      return { out: ctx.get(a, 65) };
    },
  });
  for (const [rows, cols] of [
    [1, 1],
    [5, 257],
    [3, 4113],
  ]) {
    cases.push({
      op: 'addBias',
      name: `rows=${rows} cols=${cols}`,
      tol: exact,
      run(ctx) {
        const out = ctx.uniform(rows * cols);
        ctx.be.addBias(out, ctx.uniform(rows * cols), ctx.uniform(cols), rows, cols);
        return { out: ctx.get(out, rows * cols) };
      },
    });
  }
  return cases;
}

function norms(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  const tol = { rel: 1e-5 };
  for (const [rows, dim] of [
    [1, 1],
    [1, 7],
    [5, 64],
    [3, 257],
    [2, 4113],
  ]) {
    for (const affine of [true, false]) {
      cases.push({
        op: 'rmsnorm',
        name: `rows=${rows} dim=${dim}${affine ? '' : ' no gain'}`,
        tol,
        run(ctx) {
          const out = ctx.uniform(rows * dim);
          const w = affine ? ctx.uniform(dim, 0.5, 1.5) : null;
          ctx.be.rmsnorm(out, ctx.normals(rows * dim, 3), w, rows, dim, 1e-5);
          return { out: ctx.get(out, rows * dim) };
        },
      });
      cases.push({
        op: 'layernorm',
        name: `rows=${rows} dim=${dim}${affine ? '' : ' no affine'}`,
        tol,
        run(ctx) {
          const out = ctx.uniform(rows * dim);
          const w = affine ? ctx.uniform(dim, 0.5, 1.5) : null;
          const b = affine ? ctx.uniform(dim) : null;
          // Offset data: the mean is large relative to the spread.
          ctx.be.layernorm(out, ctx.uniform(rows * dim, 2, 4), w, b, rows, dim, 1e-5);
          return { out: ctx.get(out, rows * dim) };
        },
      });
    }
  }
  return cases;
}

function softmaxes(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  for (const [rows, cols, scale, pos0] of [
    [1, 1, 1, undefined],
    [3, 17, 1, undefined],
    [5, 300, 0.125, undefined],
    [4, 33, 1, 0],
    [6, 301, 0.7, 250],
    [2, 4113, 1, undefined],
  ] as const) {
    cases.push({
      op: 'softmax',
      name: `rows=${rows} cols=${cols} scale=${scale} causalPos0=${pos0}`,
      tol: { rel: 1e-5 },
      run(ctx) {
        const out = ctx.uniform(rows * cols);
        ctx.be.softmax(out, ctx.uniform(rows * cols, -30, 30), rows, cols, scale, pos0);
        return { out: ctx.get(out, rows * cols) };
      },
    });
  }
  for (const [rows, vocab] of [
    [1, 1],
    [4, 1000],
    [2, 5003],
  ]) {
    cases.push({
      op: 'crossEntropy',
      name: `rows=${rows} vocab=${vocab}`,
      tol: { rel: 1e-5 },
      run(ctx) {
        const losses = ctx.uniform(rows);
        const targets = ctx.rng.ints(rows, 0, vocab);
        if (rows > 1) targets[1] = -1;
        ctx.be.crossEntropy(losses, ctx.normals(rows * vocab, 4), targets, rows, vocab);
        return { losses: ctx.get(losses, rows) };
      },
    });
  }
  return cases;
}

function ropes(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  const shapes: [number, number, number, number][] = [
    [1, 1, 2, 2],
    [3, 4, 64, 64],
    [5, 2, 80, 32],
    [2, 3, 128, 128],
    [4, 2, 18, 10],
  ];
  for (const [tokens, heads, headDim, ropeDim] of shapes) {
    for (const neox of [false, true]) {
      for (const variant of ['plain', 'scaled', 'inverse, strided']) {
        cases.push({
          op: 'rope',
          name: `${neox ? 'neox' : 'norm'} ${variant} tokens=${tokens} heads=${heads} headDim=${headDim} ropeDim=${ropeDim}`,
          tol: { rel: 1e-5 },
          run(ctx) {
            const strided = variant === 'inverse, strided';
            const rowStride = heads * headDim + (strided ? 3 : 0);
            const off = strided ? 5 : 0;
            const n = off + tokens * rowStride;
            const x = ctx.normals(n);
            const p: RopeParams = {
              tokens,
              heads,
              headDim,
              ropeDim,
              positions: ctx.rng.ints(tokens, 0, 4096),
              theta: variant === 'plain' ? 10000 : 500000,
              neox,
            };
            if (variant === 'scaled') {
              p.freqScale = 0.25;
              p.freqFactors = ctx.rng.uniform(ropeDim / 2, 1, 8);
            }
            if (strided) Object.assign(p, { inverse: true, rowStride, off });
            ctx.be.rope(x, p);
            return { x: ctx.get(x, n) };
          },
        });
      }
    }
  }
  return cases;
}

function attentions(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  const shapes: [number, number, number, number, number, number | undefined][] = [
    // tokens, nHead, nKvHead, headDim, pos0, window
    [1, 1, 1, 1, 0, undefined],
    [1, 8, 2, 64, 300, undefined],
    [7, 4, 4, 32, 0, undefined],
    [5, 6, 2, 17, 9, undefined],
    [4, 4, 1, 16, 20, 8],
    [3, 2, 2, 8, 0, 1],
  ];
  for (const [tokens, nHead, nKvHead, headDim, pos0, window] of shapes) {
    for (const strided of [false, true]) {
      cases.push({
        op: 'attention',
        name: `tokens=${tokens} nHead=${nHead} nKvHead=${nKvHead} headDim=${headDim} pos0=${pos0} window=${window}${strided ? ' strided' : ''}`,
        tol: { rel: 2e-5 },
        run(ctx) {
          const qDim = nHead * headDim;
          const kvDim = nKvHead * headDim;
          const ctxLen = pos0 + tokens;
          const p: AttentionParams = { tokens, nHead, nKvHead, headDim, pos0, scale: 1 / Math.sqrt(headDim) };
          if (window !== undefined) p.window = window;
          if (strided)
            Object.assign(p, {
              qStride: qDim + 2,
              outStride: qDim + 3,
              offQ: 1,
              offOut: 2,
              offK: 3 * kvDim,
              offV: 5,
            });
          const qStride = p.qStride ?? qDim;
          const outStride = p.outStride ?? qDim;
          const q = ctx.normals((p.offQ ?? 0) + tokens * qStride);
          const k = ctx.normals((p.offK ?? 0) + ctxLen * kvDim);
          const v = ctx.normals((p.offV ?? 0) + ctxLen * kvDim);
          const nOut = (p.offOut ?? 0) + tokens * outStride;
          const out = ctx.uniform(nOut);
          ctx.be.attention(out, q, k, v, p);
          return { out: ctx.get(out, nOut) };
        },
      });
    }
  }
  return cases;
}

export function nnCases(): ConformanceCase[] {
  return [...elementwise(), ...norms(), ...softmaxes(), ...ropes(), ...attentions()];
}
