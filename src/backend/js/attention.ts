// Causal attention of new queries over a KV cache (inference), with grouped-query heads and an
// optional sliding window. Scores and softmax in f64. Q8_0 caches: attention-q8.ts.

import { ShapeError, UnsupportedError } from '../../errors.js';
import { GgmlType, typeName } from '../../tensor/dtype.js';
import type { AttentionParams } from '../backend.js';
import { attentionQ8 } from './attention-q8.js';
import { checkCount, checkPositive, extent2d, type JsBuf, need } from './buf.js';
import type { Scratch } from './scratch.js';

const OP = 'attention';

/** Checks head counts: nHead a positive multiple of nKvHead. */
export function checkHeads(op: string, nHead: number, nKvHead: number, headDim: number): void {
  checkPositive(op, 'nHead', nHead);
  checkPositive(op, 'nKvHead', nKvHead);
  checkCount(op, 'headDim', headDim);
  if (nHead % nKvHead !== 0) {
    throw new ShapeError(`${op}: nHead ${nHead} is not a multiple of nKvHead ${nKvHead}`, {
      field: 'nKvHead',
    });
  }
}

export function attention(
  out: JsBuf,
  q: JsBuf,
  kCache: JsBuf,
  vCache: JsBuf,
  p: AttentionParams,
  s: Scratch,
): void {
  const { tokens, nHead, nKvHead, headDim, pos0, scale } = p;
  checkCount(OP, 'tokens', tokens);
  checkCount(OP, 'pos0', pos0);
  checkHeads(OP, nHead, nKvHead, headDim);
  const qDim = nHead * headDim;
  const kvDim = nKvHead * headDim;
  const qStride = p.qStride ?? qDim;
  const outStride = p.outStride ?? qDim;
  const offQ = p.offQ ?? 0;
  const offOut = p.offOut ?? 0;
  const offK = p.offK ?? 0;
  const offV = p.offV ?? 0;
  for (const [name, v] of [
    ['qStride', qStride],
    ['outStride', outStride],
    ['offQ', offQ],
    ['offOut', offOut],
    ['offK', offK],
    ['offV', offV],
  ] as const) {
    checkCount(OP, name, v);
  }
  if (p.window !== undefined) checkPositive(OP, 'window', p.window);
  if (tokens > 1 && (qStride < qDim || outStride < qDim)) {
    throw new ShapeError(`${OP}: qStride ${qStride} / outStride ${outStride} below nHead·headDim = ${qDim}`, {
      field: 'qStride',
    });
  }
  const ctx = pos0 + tokens; // cache rows in use
  need(OP, 'q', q, offQ + extent2d(tokens, qDim, qStride));
  need(OP, 'out', out, offOut + extent2d(tokens, qDim, outStride));
  const kvType = p.kvType ?? GgmlType.F32;
  if (kvType === GgmlType.Q8_0) {
    attentionQ8(out, q, kCache, vCache, p, s, { qStride, outStride, offQ, offOut, offK, offV });
    return;
  }
  if (kvType !== GgmlType.F32) {
    throw new UnsupportedError(`${OP}: KV cache type ${typeName(kvType)} is not supported (F32, Q8_0)`, {
      field: 'kvType',
    });
  }
  need(OP, 'kCache', kCache, offK + ctx * kvDim, `${ctx} positions × ${kvDim}`);
  need(OP, 'vCache', vCache, offV + ctx * kvDim, `${ctx} positions × ${kvDim}`);

  const group = nHead / nKvHead;
  const Q = q.data;
  const K = kCache.data;
  const V = vCache.data;
  const O = out.data;
  const scores = s.f64(0, ctx);
  const acc = s.f64(1, headDim);
  for (let t = 0; t < tokens; t++) {
    const pos = pos0 + t;
    const start = p.window === undefined ? 0 : Math.max(0, pos - p.window + 1);
    for (let h = 0; h < nHead; h++) {
      const kvh = Math.floor(h / group);
      const qi = offQ + t * qStride + h * headDim;
      let max = -Infinity;
      for (let j = start; j <= pos; j++) {
        const kj = offK + j * kvDim + kvh * headDim;
        let dot = 0;
        for (let d = 0; d < headDim; d++) dot += Q[qi + d] * K[kj + d];
        scores[j] = dot * scale;
        if (scores[j] > max) max = scores[j];
      }
      let sum = 0;
      for (let j = start; j <= pos; j++) {
        scores[j] = Math.exp(scores[j] - max);
        sum += scores[j];
      }
      acc.fill(0, 0, headDim);
      for (let j = start; j <= pos; j++) {
        const vj = offV + j * kvDim + kvh * headDim;
        const w = scores[j] / sum;
        for (let d = 0; d < headDim; d++) acc[d] += w * V[vj + d];
      }
      const oi = offOut + t * outStride + h * headDim;
      for (let d = 0; d < headDim; d++) O[oi + d] = acc[d];
    }
  }
}
