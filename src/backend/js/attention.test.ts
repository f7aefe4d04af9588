// attention == softmax(QKᵀ·scale + causal mask)·V built from matmul + softmax; GQA == repeated
// KV heads; sliding window == attention over the window's slice; strides and offsets;
// attentionTrain == attention per sequence.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShapeError } from '../../errors.js';
import type { AttentionParams } from '../backend.js';
import { Rng } from '../conformance/random.js';
import { JsBackend } from './js-backend.js';
import { get, maxAbs, maxDiff, put, zeros } from './testing.js';

const TOL = 1e-6; // f32 storage of intermediate scores/probabilities in the composed reference

test('attention equals matmul + causal softmax + matmul, per head', () => {
  const be = new JsBackend();
  const rng = new Rng(20);
  const [tokens, nHead, headDim, pos0] = [4, 3, 5, 6];
  const dim = nHead * headDim;
  const ctx = pos0 + tokens;
  const scale = 1 / Math.sqrt(headDim);
  const q = put(be, rng.normals(tokens * dim));
  const k = put(be, rng.normals(ctx * dim));
  const v = put(be, rng.normals(ctx * dim));
  const out = zeros(be, tokens * dim);
  be.attention(out, q, k, v, { tokens, nHead, nKvHead: nHead, headDim, pos0, scale });
  const want = zeros(be, tokens * dim);
  const scores = zeros(be, tokens * ctx);
  for (let h = 0; h < nHead; h++) {
    const off = h * headDim;
    be.matmul(scores, q, k, {
      m: tokens,
      n: ctx,
      k: headDim,
      transB: true,
      lda: dim,
      ldb: dim,
      offA: off,
      offB: off,
    });
    be.softmax(scores, scores, tokens, ctx, scale, pos0);
    be.matmul(want, scores, v, { m: tokens, n: headDim, k: ctx, ldb: dim, ldo: dim, offB: off, offOut: off });
  }
  const a = get(be, out, tokens * dim);
  const b = get(be, want, tokens * dim);
  assert.ok(maxDiff(a, b) <= TOL * maxAbs(b), `max diff ${maxDiff(a, b)}`);
});

test('grouped-query attention equals attention over repeated KV heads', () => {
  const be = new JsBackend();
  const rng = new Rng(21);
  const [tokens, nHead, nKvHead, headDim, pos0] = [3, 6, 2, 4, 2];
  const group = nHead / nKvHead;
  const ctx = pos0 + tokens;
  const q = put(be, rng.normals(tokens * nHead * headDim));
  const kSmall = rng.normals(ctx * nKvHead * headDim);
  const vSmall = rng.normals(ctx * nKvHead * headDim);
  const expand = (src: Float32Array) => {
    const dst = new Float32Array(ctx * nHead * headDim);
    for (let j = 0; j < ctx; j++)
      for (let h = 0; h < nHead; h++)
        for (let d = 0; d < headDim; d++)
          dst[(j * nHead + h) * headDim + d] = src[(j * nKvHead + Math.floor(h / group)) * headDim + d];
    return dst;
  };
  const p = { tokens, headDim, pos0, scale: 0.4 };
  const a = zeros(be, tokens * nHead * headDim);
  const b = zeros(be, tokens * nHead * headDim);
  be.attention(a, q, put(be, kSmall), put(be, vSmall), { ...p, nHead, nKvHead });
  be.attention(b, q, put(be, expand(kSmall)), put(be, expand(vSmall)), { ...p, nHead, nKvHead: nHead });
  assert.deepEqual(get(be, a, tokens * nHead * headDim), get(be, b, tokens * nHead * headDim));
});

test('sliding-window attention equals attention over the last `window` cache rows', () => {
  const be = new JsBackend();
  const rng = new Rng(22);
  const [tokens, nHead, nKvHead, headDim, pos0, window] = [5, 2, 1, 4, 3, 3];
  const qDim = nHead * headDim;
  const kvDim = nKvHead * headDim;
  const ctx = pos0 + tokens;
  const qa = rng.normals(tokens * qDim);
  const k = put(be, rng.normals(ctx * kvDim));
  const v = put(be, rng.normals(ctx * kvDim));
  const out = zeros(be, tokens * qDim);
  const base = { nHead, nKvHead, headDim, scale: 0.5 };
  be.attention(out, put(be, qa), k, v, { ...base, tokens, pos0, window });
  const got = get(be, out, tokens * qDim);
  for (let t = 0; t < tokens; t++) {
    const pos = pos0 + t;
    const first = Math.max(0, pos - window + 1);
    const one = zeros(be, qDim);
    const q1 = put(be, qa.subarray(t * qDim, (t + 1) * qDim));
    be.attention(one, q1, k, v, {
      ...base,
      tokens: 1,
      pos0: pos - first,
      offK: first * kvDim,
      offV: first * kvDim,
    });
    assert.deepEqual(got.subarray(t * qDim, (t + 1) * qDim), get(be, one, qDim), `token ${t}`);
  }
});

test('attention honours qStride, outStride and all offsets', () => {
  const be = new JsBackend();
  const rng = new Rng(23);
  const [tokens, nHead, nKvHead, headDim, pos0] = [3, 4, 2, 3, 1];
  const qDim = nHead * headDim;
  const kvDim = nKvHead * headDim;
  const ctx = pos0 + tokens;
  const dense = rng.normals(tokens * qDim);
  const kc = rng.normals(ctx * kvDim);
  const vc = rng.normals(ctx * kvDim);
  const p: AttentionParams = { tokens, nHead, nKvHead, headDim, pos0, scale: 0.3 };
  const ref = zeros(be, tokens * qDim);
  be.attention(ref, put(be, dense), put(be, kc), put(be, vc), p);
  const [qStride, outStride, offQ, offOut, offK, offV] = [qDim + 3, qDim + 2, 5, 4, 2 * kvDim, 7];
  const qPad = new Float32Array(offQ + tokens * qStride).fill(Number.NaN);
  for (let t = 0; t < tokens; t++) qPad.set(dense.subarray(t * qDim, (t + 1) * qDim), offQ + t * qStride);
  const kPad = new Float32Array(offK + ctx * kvDim).fill(Number.NaN);
  kPad.set(kc, offK);
  const vPad = new Float32Array(offV + ctx * kvDim + 9).fill(Number.NaN);
  vPad.set(vc, offV);
  const outPad = put(be, new Float32Array(offOut + tokens * outStride).fill(-7));
  be.attention(outPad, put(be, qPad), put(be, kPad), put(be, vPad), {
    ...p,
    qStride,
    outStride,
    offQ,
    offOut,
    offK,
    offV,
  });
  const got = get(be, outPad, offOut + tokens * outStride);
  const want = get(be, ref, tokens * qDim);
  for (let i = 0; i < got.length; i++) {
    const t = Math.floor((i - offOut) / outStride);
    const c = (i - offOut) % outStride;
    if (i >= offOut && c < qDim) assert.equal(got[i], want[t * qDim + c]);
    else assert.equal(got[i], -7, `padding ${i}`);
  }
});

test('attentionTrain equals attention per sequence and saves causal probabilities', () => {
  const be = new JsBackend();
  const rng = new Rng(24);
  const p = { batch: 2, t: 5, nHead: 4, nKvHead: 2, headDim: 3, scale: 0.6 };
  const qDim = p.nHead * p.headDim;
  const kvDim = p.nKvHead * p.headDim;
  const q = put(be, rng.normals(p.batch * p.t * qDim));
  const k = put(be, rng.normals(p.batch * p.t * kvDim));
  const v = put(be, rng.normals(p.batch * p.t * kvDim));
  const out = zeros(be, p.batch * p.t * qDim);
  const probs = zeros(be, p.batch * p.nHead * p.t * p.t);
  be.attentionTrain(out, probs, q, k, v, p);
  const got = get(be, out, p.batch * p.t * qDim);
  const P = get(be, probs, p.batch * p.nHead * p.t * p.t);
  for (let b = 0; b < p.batch; b++) {
    const one = zeros(be, p.t * qDim);
    be.attention(one, q, k, v, {
      tokens: p.t,
      nHead: p.nHead,
      nKvHead: p.nKvHead,
      headDim: p.headDim,
      pos0: 0,
      scale: p.scale,
      offQ: b * p.t * qDim,
      offK: b * p.t * kvDim,
      offV: b * p.t * kvDim,
    });
    const want = get(be, one, p.t * qDim);
    assert.ok(maxDiff(got.subarray(b * p.t * qDim, (b + 1) * p.t * qDim), want) <= 1e-6, `batch ${b}`);
  }
  for (let r = 0; r < p.batch * p.nHead * p.t; r++) {
    const i = r % p.t;
    let sum = 0;
    for (let j = 0; j < p.t; j++) {
      sum += P[r * p.t + j];
      if (j > i) assert.equal(P[r * p.t + j], 0);
    }
    assert.ok(Math.abs(sum - 1) < 1e-6);
  }
});

test('attention validates heads and cache size', () => {
  const be = new JsBackend();
  const q = be.alloc(4 * 8);
  const p: AttentionParams = { tokens: 1, nHead: 2, nKvHead: 2, headDim: 4, pos0: 3, scale: 1 };
  const small = be.alloc(4 * 8 * 3);
  assert.throws(
    () => be.attention(q, q, small, small, p),
    (e: unknown) => e instanceof ShapeError && /kCache/.test(e.message),
  );
  assert.throws(() => be.attention(q, q, small, small, { ...p, pos0: 0, nKvHead: 3 }), ShapeError);
});
