// Reward model: Bradley–Terry training on a synthetic learnable preference set beats chance on
// held-out pairs, and the reward reads the last real token whatever the batch's padding.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Graph, ParamStore } from '../../autograd/index.js';
import { JsBackend } from '../../backend/js/index.js';
import { ADAMW_DEFAULTS } from '../adamw.js';
import type { TokenizedPair } from '../finetune/objectives.js';
import { type LlamaTrainConfig, NETS } from '../nets/index.js';
import { Rng } from '../rng.js';
import { type TrainConfig, Trainer } from '../trainer.js';
import { addScoreHead } from './heads.js';
import { RewardObjective, sequenceRewards } from './reward.js';

const NET: LlamaTrainConfig = {
  arch: 'llama',
  vocabSize: 16,
  dim: 16,
  nLayer: 1,
  nHead: 2,
  nKvHead: 1,
  ffnDim: 32,
  contextLength: 24,
  ropeTheta: 10000,
  normEps: 1e-5,
  tiedEmbeddings: false,
};

/** Pairs whose chosen response holds more of token 5 than the rejected one (else random tokens). */
function pairs(n: number, rng: Rng): TokenizedPair[] {
  const resp = (good: number) =>
    Array.from({ length: 6 }, (_, i) => (i < good ? 5 : 6 + rng.int(NET.vocabSize - 6))).sort(
      () => rng.next() - 0.5,
    );
  return Array.from({ length: n }, () => {
    const a = 1 + rng.int(3);
    return {
      prompt: Array.from({ length: 2 + rng.int(3) }, () => 1 + rng.int(4)),
      chosen: resp(a + 1 + rng.int(2)),
      rejected: resp(a - 1),
    };
  });
}

test('reward model: held-out pair accuracy rises well above chance', () => {
  const be = new JsBackend();
  const rng = new Rng(3);
  const obj = new RewardObjective(NET, pairs(96, rng), pairs(32, rng), 8, 16, 4);
  const cfg: TrainConfig = {
    net: NET,
    batchSize: 16,
    blockSize: 16,
    gradAccum: 1,
    maxSteps: 60,
    schedule: { lr: 5e-3, minLr: 5e-4, warmupSteps: 5, decaySteps: 60 },
    optim: { ...ADAMW_DEFAULTS, weightDecay: 0 },
    evalEvery: 0,
    evalBatches: 1,
    seed: 1,
    maxBadSteps: 3,
  };
  const trainer = new Trainer(be, cfg, undefined, undefined, {
    objective: obj,
    init: (params, r) => {
      NETS.llama.init(params, NET, r);
      addScoreHead(params, NET, r);
      return undefined;
    },
  });
  const loss0 = trainer.evaluate();
  const acc0 = obj.lastEvalStats!.accuracy;
  while (trainer.step < cfg.maxSteps) trainer.trainStep();
  const loss1 = trainer.evaluate();
  const acc1 = obj.lastEvalStats!.accuracy;
  assert.ok(loss1 < loss0 - 0.2, `held-out loss ${loss0} → ${loss1}`);
  assert.ok(acc1 >= 0.85 && acc1 > acc0, `held-out accuracy ${acc0} → ${acc1}`);
  trainer.dispose();
});

test('reward model: the score reads the last token of each sequence, padding notwithstanding', () => {
  const be = new JsBackend();
  const params = new ParamStore(be);
  NETS.llama.init(params, NET, new Rng(1));
  addScoreHead(params, NET, new Rng(2));
  const g = new Graph(be);
  const m = { net: NET, params };
  const a = [1, 2, 3];
  const b = [4, 5, 6, 7, 8, 9];
  const read = (seqs: number[][]) => {
    g.reset();
    const r = sequenceRewards(g, m, seqs);
    const out = new Float32Array(seqs.length);
    be.read(r.data, out);
    return out;
  };
  const alone = read([a])[0]!;
  const [inBatch, long] = read([a, b]) as unknown as [number, number];
  assert.ok(Math.abs(alone - inBatch) < 1e-6, `${alone} vs ${inBatch}`);
  assert.notEqual(read([[1, 2]])[0], alone, 'the last token changes the reward');
  assert.ok(Math.abs(read([b])[0]! - long) < 1e-6);
});
