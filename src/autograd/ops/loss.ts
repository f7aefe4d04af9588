// Cross-entropy over rows of logits with integer targets; targets < 0 are ignored (masked).
import { ShapeError } from '../../errors.js';
import type { Graph } from '../graph.js';
import type { Var } from '../var.js';

export interface LossResult {
  /** Scalar mean loss over the counted rows (a graph variable: call graph.backward on it). */
  loss: Var;
  /** The mean as a number. */
  value: number;
  /** Rows with a target ≥ 0. */
  count: number;
}

/** Mean cross-entropy of logits [N, V] against targets [N] (ignore_index: any negative id). */
export function crossEntropy(g: Graph, logits: Var, targets: Int32Array): LossResult {
  const be = g.backend;
  const [rows, vocab] = [logits.rows, logits.cols];
  if (targets.length !== rows) {
    throw new ShapeError(`crossEntropy: ${targets.length} targets for logits [${logits.shape.join(', ')}]`);
  }
  let count = 0;
  for (let i = 0; i < rows; i++) {
    const t = targets[i]!;
    if (t >= vocab) throw new ShapeError(`crossEntropy: target ${t} outside vocabulary of ${vocab}`);
    if (t >= 0) count++;
  }
  const losses = g.scratch(rows);
  // Row statistics kept for the backward pass (it then skips a max and an exp pass over the rows).
  const stats = logits.requiresGrad && count > 0 ? g.scratch(4 * rows) : undefined;
  be.crossEntropy(losses, logits.data, targets, rows, vocab, stats);
  const host = new Float32Array(rows);
  be.read(losses, host);
  let sum = 0;
  for (let i = 0; i < rows; i++) sum += host[i]!;
  const value = count > 0 ? sum / count : 0;
  const loss = g.tensor([1], logits.requiresGrad);
  be.fill(loss.data, value, 1);
  if (loss.requiresGrad && count > 0) {
    const saved = targets.slice();
    g.record(() => {
      if (!loss.gradLive) return;
      const seed = new Float32Array(1);
      be.read(loss.grad!, seed);
      g.accumulateGrad(logits, (d) =>
        be.crossEntropyBackward(d, logits.data, saved, rows, vocab, seed[0]! / count, stats),
      );
    });
  }
  return { loss, value, count };
}
