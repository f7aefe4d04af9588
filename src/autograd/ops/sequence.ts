// Per-sequence log-likelihoods and the DPO loss on top of them.
import { ShapeError } from '../../errors.js';
import type { Graph } from '../graph.js';
import type { Var } from '../var.js';

/**
 * out[s] = Σ log p(targets[r] | row r) over the rows r with rowSeq[r] = s and targets[r] ≥ 0.
 * logits [N, V] → [nSeq].
 */
export function sequenceLogProbs(
  g: Graph,
  logits: Var,
  targets: Int32Array,
  rowSeq: Int32Array,
  nSeq: number,
): Var {
  const be = g.backend;
  const [rows, vocab] = [logits.rows, logits.cols];
  if (targets.length !== rows || rowSeq.length !== rows) {
    throw new ShapeError(
      `sequenceLogProbs: ${targets.length} targets / ${rowSeq.length} row ids for ${rows} rows`,
    );
  }
  const losses = g.scratch(rows);
  be.crossEntropy(losses, logits.data, targets, rows, vocab);
  const host = new Float32Array(rows);
  be.read(losses, host);
  const sums = new Float32Array(nSeq);
  for (let r = 0; r < rows; r++) {
    const s = rowSeq[r]!;
    if (s >= 0 && targets[r]! >= 0) sums[s]! -= host[r]!;
  }
  const out = g.tensor([nSeq], logits.requiresGrad);
  be.write(out.data, sums);
  if (!out.requiresGrad) return out;
  const savedT = targets.slice();
  const savedS = rowSeq.slice();
  g.record(() => {
    if (!out.gradLive) return;
    const dseq = new Float32Array(nSeq);
    be.read(out.grad!, dseq);
    const masked = new Int32Array(rows);
    const tmp = g.scratch(rows * vocab);
    let first = true;
    const target = g.gradTarget(logits);
    for (let s = 0; s < nSeq; s++) {
      for (let r = 0; r < rows; r++) masked[r] = savedS[r] === s ? savedT[r]! : -1;
      // d(−CE)/dlogits = −(softmax − onehot); scaled by the upstream gradient of this sequence.
      if (first && !target.accumulate) {
        be.crossEntropyBackward(target.buf, logits.data, masked, rows, vocab, -dseq[s]!);
      } else {
        be.crossEntropyBackward(tmp, logits.data, masked, rows, vocab, -dseq[s]!);
        be.add(target.buf, target.buf, tmp, rows * vocab);
      }
      first = false;
    }
  });
  return out;
}

export interface DpoStats {
  loss: number;
  /** β·(log π − log π_ref) of chosen and rejected responses, averaged. */
  chosenReward: number;
  rejectedReward: number;
  /** Fraction of pairs whose chosen reward exceeds the rejected one. */
  accuracy: number;
  margin: number;
}

/**
 * DPO sigmoid loss (Rafailov et al. 2023), mean over P pairs. `logps` [2P] holds the policy's
 * sequence log-probs as (chosen₀, rejected₀, chosen₁, ...); `ref` the reference model's.
 */
export function dpoLoss(
  g: Graph,
  logps: Var,
  ref: Float64Array,
  beta: number,
): { loss: Var; stats: DpoStats } {
  const be = g.backend;
  const n = logps.size;
  if (n % 2 !== 0 || ref.length !== n)
    throw new ShapeError(`dpoLoss: ${n} policy and ${ref.length} reference log-probs`);
  const pairs = n / 2;
  const pi = new Float32Array(n);
  be.read(logps.data, pi);
  let loss = 0;
  let acc = 0;
  let cr = 0;
  let rr = 0;
  const dz = new Float64Array(pairs); // dL/dz per pair
  for (let i = 0; i < pairs; i++) {
    const rc = beta * (pi[2 * i]! - ref[2 * i]!);
    const rj = beta * (pi[2 * i + 1]! - ref[2 * i + 1]!);
    const z = rc - rj;
    // −log σ(z) = softplus(−z), computed stably.
    loss += z > 0 ? Math.log1p(Math.exp(-z)) : -z + Math.log1p(Math.exp(z));
    dz[i] = -1 / (1 + Math.exp(z)) / pairs; // d softplus(−z)/dz = −σ(−z)
    if (rc > rj) acc++;
    cr += rc;
    rr += rj;
  }
  const out = g.tensor([1], logps.requiresGrad);
  be.fill(out.data, loss / pairs, 1);
  if (out.requiresGrad) {
    g.record(() => {
      if (!out.gradLive) return;
      const seed = new Float32Array(1);
      be.read(out.grad!, seed);
      const d = new Float32Array(n);
      for (let i = 0; i < pairs; i++) {
        d[2 * i] = seed[0]! * dz[i]! * beta;
        d[2 * i + 1] = -seed[0]! * dz[i]! * beta;
      }
      const t = g.gradTarget(logps);
      const tmp = g.scratch(n);
      be.write(tmp, d);
      if (t.accumulate) be.add(t.buf, t.buf, tmp, n);
      else be.copy(t.buf, tmp, n);
    });
  }
  return {
    loss: out,
    stats: {
      loss: loss / pairs,
      chosenReward: cr / pairs,
      rejectedReward: rr / pairs,
      accuracy: acc / pairs,
      margin: (cr - rr) / pairs,
    },
  };
}
