// Token embedding lookup: y[i] = table[ids[i]]. table [V, D] → y [N, D].
import { ShapeError } from '../../errors.js';
import type { Graph } from '../graph.js';
import type { Var } from '../var.js';

export function embedding(
  g: Graph,
  table: Var,
  ids: Int32Array,
  shape: readonly number[] = [ids.length],
): Var {
  const be = g.backend;
  const [vocab, dim] = [table.shape[0]!, table.shape[1]!];
  const n = ids.length;
  for (let i = 0; i < n; i++) {
    const id = ids[i]!;
    if (id < 0 || id >= vocab)
      throw new ShapeError(`embedding: token id ${id} outside vocabulary of ${vocab}`);
  }
  const y = g.tensor([...shape, dim], table.requiresGrad);
  for (let i = 0; i < n; i++) be.copy(y.data, table.data, dim, i * dim, ids[i]! * dim);
  if (!y.requiresGrad) return y;
  const saved = ids.slice();
  g.record(() => {
    if (!y.gradLive || !table.requiresGrad) return;
    const t = g.gradTarget(table);
    if (!t.accumulate) be.fill(t.buf, 0, table.size);
    be.embeddingBackward(t.buf, y.grad!, saved, n, dim);
  });
  return y;
}

/** y[b, t] = x[b, t] + pos[t] for learned absolute positions (GPT-2). x [B, T, D], pos [P, D]. */
export function addPositions(g: Graph, x: Var, pos: Var, batch: number, t: number): Var {
  const be = g.backend;
  const dim = x.cols;
  if (pos.shape[0]! < t || pos.cols !== dim) {
    throw new ShapeError(`addPositions: positions [${pos.shape.join(', ')}] do not cover T=${t}, D=${dim}`);
  }
  const y = g.tensor(x.shape, x.requiresGrad || pos.requiresGrad);
  for (let b = 0; b < batch; b++) {
    const off = b * t * dim;
    be.copy(y.data, x.data, t * dim, off, off);
  }
  const ones = g.scratch(batch);
  be.fill(ones, 1, batch);
  // y[B, T·D] += ones[B, 1] · pos[1, T·D]
  be.matmul(y.data, ones, pos.data, { m: batch, n: t * dim, k: 1, accumulate: true });
  if (!y.requiresGrad) return y;
  g.record(() => {
    if (!y.gradLive) return;
    if (x.requiresGrad) {
      const tx = g.gradTarget(x);
      if (tx.accumulate) be.add(tx.buf, tx.buf, y.grad!, x.size);
      else be.copy(tx.buf, y.grad!, x.size);
    }
    if (pos.requiresGrad) {
      const tp = g.gradTarget(pos);
      if (!tp.accumulate) be.fill(tp.buf, 0, pos.size);
      const ones2 = g.scratch(batch);
      be.fill(ones2, 1, batch);
      // dpos[1, T·D] += ones[1, B] · dy[B, T·D]
      be.matmul(tp.buf, ones2, y.grad!, { m: 1, n: t * dim, k: batch, accumulate: true });
    }
  });
  return y;
}
