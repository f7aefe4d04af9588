// Rotary embeddings and causal self-attention for training (whole sequences, no KV cache).
import type { AttentionTrainParams } from '../../backend/backend.js';
import { ShapeError } from '../../errors.js';
import type { Graph } from '../graph.js';
import type { Var } from '../var.js';

export interface RopeSpec {
  heads: number;
  headDim: number;
  theta: number;
  neox: boolean;
  /** Positions of the N rows (b·T + t → t for packed batches). */
  positions: Int32Array;
  freqFactors?: Float32Array;
}

/** y = rope(x); x [N, heads·headDim]. */
export function rope(g: Graph, x: Var, spec: RopeSpec): Var {
  const be = g.backend;
  const n = x.rows;
  if (x.cols !== spec.heads * spec.headDim) {
    throw new ShapeError(`rope: x [${x.shape.join(', ')}] is not [N, ${spec.heads}·${spec.headDim}]`);
  }
  const y = g.tensor(x.shape, x.requiresGrad);
  be.copy(y.data, x.data, x.size);
  const base = {
    tokens: n,
    heads: spec.heads,
    headDim: spec.headDim,
    positions: spec.positions,
    theta: spec.theta,
    neox: spec.neox,
    ...(spec.freqFactors !== undefined ? { freqFactors: spec.freqFactors } : {}),
  };
  be.rope(y.data, base);
  if (!y.requiresGrad) return y;
  g.record(() => {
    if (!y.gradLive) return;
    g.accumulateGrad(x, (dx) => {
      be.copy(dx, y.grad!, x.size);
      be.rope(dx, { ...base, inverse: true });
    });
  });
  return y;
}

/** Causal attention: q [B·T, H·hd], k, v [B·T, Hkv·hd] → [B·T, H·hd]. */
export function causalAttention(g: Graph, q: Var, k: Var, v: Var, p: AttentionTrainParams): Var {
  const be = g.backend;
  const rows = p.batch * p.t;
  if (q.size !== rows * p.nHead * p.headDim || k.size !== rows * p.nKvHead * p.headDim || v.size !== k.size) {
    throw new ShapeError(
      `attention: q [${q.shape.join(', ')}], k [${k.shape.join(', ')}], v [${v.shape.join(', ')}] do not fit ` +
        `B=${p.batch} T=${p.t} H=${p.nHead} Hkv=${p.nKvHead} hd=${p.headDim}`,
    );
  }
  const y = g.tensor(q.shape, q.requiresGrad || k.requiresGrad || v.requiresGrad);
  const probs = g.scratch(p.batch * p.nHead * p.t * p.t);
  be.attentionTrain(y.data, probs, q.data, k.data, v.data, p);
  if (!y.requiresGrad) return y;
  g.record(() => {
    if (!y.gradLive) return;
    const dq = g.scratch(q.size);
    const dk = g.scratch(k.size);
    const dv = g.scratch(v.size);
    be.attentionTrainBackward(dq, dk, dv, y.grad!, probs, q.data, k.data, v.data, p);
    for (const [x, d] of [
      [q, dq],
      [k, dk],
      [v, dv],
    ] as const) {
      if (!x.requiresGrad) continue;
      const t = g.gradTarget(x);
      if (t.accumulate) be.add(t.buf, t.buf, d, x.size);
      else be.copy(t.buf, d, x.size);
    }
  });
  return y;
}
