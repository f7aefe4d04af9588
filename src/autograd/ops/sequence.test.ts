import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JsBackend } from '../../backend/js/index.js';
import { Graph } from '../graph.js';
import { ParamStore } from '../params.js';
import { linear } from './linear.js';
import { dpoLoss, sequenceLogProbs } from './sequence.js';

test('DPO loss of a hand-computed pair', () => {
  const be = new JsBackend({ float64: true });
  const g = new Graph(be);
  const params = new ParamStore(be);
  // Policy log-probs: chosen −5, rejected −7; reference: −6 and −6; β = 0.1.
  const lp = params.add({ name: 'lp', shape: [2], decay: false }, Float32Array.from([-5, -7]));
  const { loss, stats } = dpoLoss(g, lp, Float64Array.from([-6, -6]), 0.1);
  // z = 0.1·((−5 + 6) − (−7 + 6)) = 0.2;  −log σ(0.2) = log(1 + e^−0.2)
  assert.ok(Math.abs(stats.loss - 0.5981388693815918) < 1e-12);
  assert.ok(Math.abs(stats.chosenReward - 0.1) < 1e-12 && Math.abs(stats.rejectedReward + 0.1) < 1e-12);
  assert.equal(stats.accuracy, 1);
  g.backward(loss);
  const grad = new Float64Array(2);
  be.read(lp.grad!, grad);
  // dL/dπc = −β·σ(−z), dL/dπr = +β·σ(−z)
  const s = 1 / (1 + Math.exp(0.2));
  // (the op carries f32 values between host and backend: 1e-7 relative)
  assert.ok(Math.abs(grad[0]! + 0.1 * s) < 1e-8 && Math.abs(grad[1]! - 0.1 * s) < 1e-8);
});

test('sequenceLogProbs: values and gradients against finite differences (float64)', () => {
  const be = new JsBackend({ float64: true });
  const g = new Graph(be);
  const params = new ParamStore(be);
  const rows = 5;
  const vocab = 4;
  const init = Float32Array.from({ length: rows * vocab }, (_, i) => Math.sin(i * 1.7));
  const logits = params.add({ name: 'logits', shape: [rows, vocab], decay: false }, init);
  const targets = Int32Array.from([1, -1, 3, 0, 2]);
  const rowSeq = Int32Array.from([0, 0, 0, 1, 1]);
  const weights = [0.7, -1.3];
  const f = (): number => {
    const host = new Float64Array(rows * vocab);
    be.read(logits.data, host);
    const sums = [0, 0];
    for (let r = 0; r < rows; r++) {
      if (targets[r]! < 0) continue;
      let z = 0;
      for (let j = 0; j < vocab; j++) z += Math.exp(host[r * vocab + j]!);
      sums[rowSeq[r]!]! += host[r * vocab + targets[r]!]! - Math.log(z);
    }
    return weights[0]! * sums[0]! + weights[1]! * sums[1]!;
  };
  params.zeroGrad();
  g.reset();
  const lp = sequenceLogProbs(g, logits, targets, rowSeq, 2);
  const got = new Float64Array(2);
  be.read(lp.data, got);
  // Weighted sum as the scalar loss: seed the gradient of lp by hand through a tiny linear op.
  const w = params.add({ name: 'w', shape: [1, 2], decay: false }, Float32Array.from(weights));
  const y = linear(g, lp, w); // [2] · [1, 2]ᵀ → [1]: the weighted sum
  g.backward(y);
  const grad = new Float64Array(rows * vocab);
  be.read(logits.grad!, grad);
  const host = new Float64Array(rows * vocab);
  be.read(logits.data, host);
  const h = 1e-6;
  for (let i = 0; i < rows * vocab; i++) {
    const o = host[i]!;
    host[i] = o + h;
    be.write(logits.data, host);
    const p = f();
    host[i] = o - h;
    be.write(logits.data, host);
    const m = f();
    host[i] = o;
    be.write(logits.data, host);
    const fd = (p - m) / (2 * h);
    assert.ok(Math.abs(fd - grad[i]!) < 1e-6, `logit ${i}: ${grad[i]} vs ${fd}`);
  }
  assert.ok(Math.abs(weights[0]! * got[0]! + weights[1]! * got[1]! - f()) < 1e-5);
});
