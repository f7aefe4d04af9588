// Causal self-attention over whole sequences for training, and its backward.
// q, out: [batch, T, nHead·headDim]; k, v: [batch, T, nKvHead·headDim];
// probs: [batch, nHead, T, T], row i holds softmax weights over keys 0..i (zeros above).

import type { AttentionTrainParams } from '../backend.js';
import { checkHeads } from './attention.js';
import { checkCount, type JsBuf, need } from './buf.js';
import type { Scratch } from './scratch.js';

function checkTrain(
  op: string,
  p: AttentionTrainParams,
  bufs: [string, JsBuf, 'q' | 'kv' | 'probs'][],
): void {
  checkCount(op, 'batch', p.batch);
  checkCount(op, 't', p.t);
  checkHeads(op, p.nHead, p.nKvHead, p.headDim);
  const sizes = {
    q: p.batch * p.t * p.nHead * p.headDim,
    kv: p.batch * p.t * p.nKvHead * p.headDim,
    probs: p.batch * p.nHead * p.t * p.t,
  };
  for (const [name, b, kind] of bufs) need(op, name, b, sizes[kind]);
}

export function attentionTrain(
  out: JsBuf,
  probs: JsBuf,
  q: JsBuf,
  k: JsBuf,
  v: JsBuf,
  p: AttentionTrainParams,
  s: Scratch,
): void {
  checkTrain('attentionTrain', p, [
    ['out', out, 'q'],
    ['probs', probs, 'probs'],
    ['q', q, 'q'],
    ['k', k, 'kv'],
    ['v', v, 'kv'],
  ]);
  const { batch, t: T, nHead, nKvHead, headDim: hd, scale } = p;
  const qDim = nHead * hd;
  const kvDim = nKvHead * hd;
  const group = nHead / nKvHead;
  const Q = q.data;
  const K = k.data;
  const V = v.data;
  const O = out.data;
  const P = probs.data;
  const row = s.f64(0, T);
  const acc = s.f64(1, hd);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < nHead; h++) {
      const kvh = Math.floor(h / group);
      for (let i = 0; i < T; i++) {
        const qi = (b * T + i) * qDim + h * hd;
        let max = -Infinity;
        for (let j = 0; j <= i; j++) {
          const kj = (b * T + j) * kvDim + kvh * hd;
          let dot = 0;
          for (let d = 0; d < hd; d++) dot += Q[qi + d] * K[kj + d];
          row[j] = dot * scale;
          if (row[j] > max) max = row[j];
        }
        let sum = 0;
        for (let j = 0; j <= i; j++) {
          row[j] = Math.exp(row[j] - max);
          sum += row[j];
        }
        const pi = ((b * nHead + h) * T + i) * T;
        acc.fill(0, 0, hd);
        for (let j = 0; j < T; j++) {
          if (j > i) {
            P[pi + j] = 0;
            continue;
          }
          const w = row[j] / sum;
          P[pi + j] = w;
          const vj = (b * T + j) * kvDim + kvh * hd;
          for (let d = 0; d < hd; d++) acc[d] += w * V[vj + d];
        }
        for (let d = 0; d < hd; d++) O[qi + d] = acc[d];
      }
    }
  }
}

/**
 * With S = scale·QKᵀ (causal), P = softmax(S), O = PV:
 * dV = Pᵀ·dO; dP = dO·Vᵀ; dS = P ⊙ (dP − rowsum(dP ⊙ P)); dQ = scale·dS·K; dK = scale·dSᵀ·Q.
 * Grouped-query heads sum their dK, dV into the shared kv head. Uses the saved probs.
 */
export function attentionTrainBackward(
  dq: JsBuf,
  dk: JsBuf,
  dv: JsBuf,
  dout: JsBuf,
  probs: JsBuf,
  q: JsBuf,
  k: JsBuf,
  v: JsBuf,
  p: AttentionTrainParams,
  s: Scratch,
): void {
  checkTrain('attentionTrainBackward', p, [
    ['dq', dq, 'q'],
    ['dk', dk, 'kv'],
    ['dv', dv, 'kv'],
    ['dout', dout, 'q'],
    ['probs', probs, 'probs'],
    ['q', q, 'q'],
    ['k', k, 'kv'],
    ['v', v, 'kv'],
  ]);
  const { batch, t: T, nHead, nKvHead, headDim: hd, scale } = p;
  const qDim = nHead * hd;
  const kvDim = nKvHead * hd;
  const group = nHead / nKvHead;
  const Q = q.data;
  const K = k.data;
  const V = v.data;
  const D = dout.data;
  const P = probs.data;
  const DQ = dq.data;
  const DK = dk.data;
  const DV = dv.data;
  const nkv = batch * T * kvDim;
  const gk = s.f64(2, nkv); // dK and dV accumulate in f64, then are stored
  const gv = s.f64(3, nkv);
  gk.fill(0, 0, nkv);
  gv.fill(0, 0, nkv);
  const ds = s.f64(0, T);
  const acc = s.f64(1, hd);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < nHead; h++) {
      const kvh = Math.floor(h / group);
      for (let i = 0; i < T; i++) {
        const qi = (b * T + i) * qDim + h * hd;
        const pi = ((b * nHead + h) * T + i) * T;
        // dP[j] = dO_i · V_j; dS[j] = P[j] (dP[j] − Σ P dP).
        let dot = 0;
        for (let j = 0; j <= i; j++) {
          const vj = (b * T + j) * kvDim + kvh * hd;
          let dp = 0;
          for (let d = 0; d < hd; d++) dp += D[qi + d] * V[vj + d];
          ds[j] = dp;
          dot += P[pi + j] * dp;
        }
        acc.fill(0, 0, hd);
        for (let j = 0; j <= i; j++) {
          const pj = P[pi + j];
          const g = pj * (ds[j] - dot) * scale;
          const kj = (b * T + j) * kvDim + kvh * hd;
          for (let d = 0; d < hd; d++) {
            acc[d] += g * K[kj + d];
            gk[kj + d] += g * Q[qi + d];
            gv[kj + d] += pj * D[qi + d];
          }
        }
        for (let d = 0; d < hd; d++) DQ[qi + d] = acc[d];
      }
    }
  }
  for (let i = 0; i < nkv; i++) {
    DK[i] = gk[i];
    DV[i] = gv[i];
  }
}
