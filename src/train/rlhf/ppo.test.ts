// PPO on a verifiable toy reward: the fraction of response tokens equal to a target token.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParamStore } from '../../autograd/index.js';
import { JsBackend } from '../../backend/js/index.js';
import { ADAMW_DEFAULTS } from '../adamw.js';
import { type LlamaTrainConfig, NETS } from '../nets/index.js';
import { Rng } from '../rng.js';
import { type TrainConfig, Trainer } from '../trainer.js';
import { addValueHead } from './heads.js';
import { gae, PPO_DEFAULTS, PpoObjective, type Scorer, whiten } from './ppo.js';
import { rewardFunction } from './rewards.js';

const NET: LlamaTrainConfig = {
  arch: 'llama',
  vocabSize: 12,
  dim: 16,
  nLayer: 1,
  nHead: 2,
  nKvHead: 1,
  ffnDim: 32,
  contextLength: 16,
  ropeTheta: 10000,
  normEps: 1e-5,
  tiedEmbeddings: false,
};

const TARGET = 3;

const scorer: Scorer = (_g, _p, responses) =>
  Float64Array.from(responses, (r) => r.filter((t) => t === TARGET).length / Math.max(1, r.length));

interface Point {
  step: number;
  reward: number;
  kl: number;
}

/** Trains for the largest of `at` steps; evaluates (held-out prompts, fixed seed) at 0 and each of `at`. */
function run(klCoef: number, at: number[]): Point[] {
  const steps = Math.max(...at);
  const be = new JsBackend();
  const rng = new Rng(5);
  const prompts = Array.from({ length: 24 }, () =>
    Array.from({ length: 2 + rng.int(3) }, () => 1 + rng.int(NET.vocabSize - 1)),
  );
  const ppo = new PpoObjective(
    NET,
    prompts.slice(0, 16),
    prompts.slice(16),
    { ...PPO_DEFAULTS, rolloutBatch: 16, miniBatches: 2, ppoEpochs: 2, maxNew: 6, temperature: 1, klCoef },
    scorer,
    new Set<number>(),
    9,
  );
  const cfg: TrainConfig = {
    net: NET,
    batchSize: 1,
    blockSize: 8,
    gradAccum: 1,
    maxSteps: steps,
    schedule: { lr: 1e-2, minLr: 1e-2, warmupSteps: 0, decaySteps: steps },
    optim: { ...ADAMW_DEFAULTS, weightDecay: 0 },
    evalEvery: 0,
    evalBatches: 1,
    seed: 1,
    maxBadSteps: 3,
  };
  const ref = new ParamStore(be);
  const trainer = new Trainer(be, cfg, undefined, undefined, {
    objective: ppo,
    init: (params, r) => {
      NETS.llama.init(params, NET, r);
      for (const [spec] of params.entries()) ref.add({ ...spec, frozen: true }, params.read(spec.name));
      addValueHead(params, NET, r);
      return undefined;
    },
  });
  ppo.setReference({ net: NET, params: ref });
  const points: Point[] = [];
  const point = () => {
    trainer.evaluate();
    points.push({ step: trainer.step, reward: ppo.lastEval!.reward, kl: ppo.lastEval!.kl });
  };
  point();
  while (trainer.step < steps) {
    const log = trainer.trainStep();
    assert.ok(Number.isFinite(log.loss) && log.skipped === undefined);
    const st = ppo.lastStats!;
    assert.ok(st.clipFrac >= 0 && st.clipFrac <= 1 && Number.isFinite(st.valueLoss));
    if (at.includes(trainer.step)) point();
  }
  trainer.dispose();
  ref.dispose();
  return points;
}

test('PPO: the mean reward rises while the KL to the reference stays bounded', () => {
  const [p0, p60, p120] = run(0.05, [60, 120]) as [Point, Point, Point];
  assert.ok(Math.abs(p0.kl) < 1e-5, `KL at the start is 0 (policy = reference), got ${p0.kl}`);
  assert.ok(p120.reward > p0.reward + 0.3, `reward ${p0.reward} → ${p120.reward}`);
  // Without the KL penalty the policy collapses onto the target token: KL → 6·log(12) ≈ 14.9 nats.
  const [, free] = run(0, [60]) as [Point, Point];
  assert.ok(free.kl > 12, `KL without penalty ${free.kl}`);
  // With kl_coef 0.05 the KL levels off far below that and does not keep growing.
  assert.ok(p60.kl > 0.5 && p60.kl < 9, `KL at step 60: ${p60.kl}`);
  assert.ok(p120.kl < 9 && p120.kl < p60.kl + 1.5, `KL at step 120: ${p120.kl} (step 60: ${p60.kl})`);
});

test('GAE and whitening match their definitions', () => {
  const rw = Float64Array.from([0.1, -0.2, 1]);
  const v = Float64Array.from([0.5, 0.3, 0.2]);
  const { advantages, returns } = gae(rw, v, 1, 0.95);
  const d2 = 1 - 0.2;
  const d1 = -0.2 + 0.2 - 0.3;
  const d0 = 0.1 + 0.3 - 0.5;
  assert.ok(Math.abs(advantages[2]! - d2) < 1e-12);
  assert.ok(Math.abs(advantages[1]! - (d1 + 0.95 * d2)) < 1e-12);
  assert.ok(Math.abs(advantages[0]! - (d0 + 0.95 * (d1 + 0.95 * d2))) < 1e-12);
  assert.ok(Math.abs(returns[0]! - (advantages[0]! + 0.5)) < 1e-12);
  const xs = [Float64Array.from([1, 2]), Float64Array.from([3, 6])];
  whiten(xs);
  const all = [...xs[0]!, ...xs[1]!];
  const mean = all.reduce((a, b) => a + b, 0) / 4;
  const varU = all.reduce((a, b) => a + (b - mean) ** 2, 0) / 3;
  assert.ok(Math.abs(mean) < 1e-12 && Math.abs(varU - 1) < 1e-6);
});

test('reward functions: contains, count, length; unknown names are refused', () => {
  const r = (response: string) => ({ prompt: 'p', response, ids: [] });
  assert.equal(rewardFunction('contains:ab')(r('xxabyy')), 1);
  assert.equal(rewardFunction('contains:ab')(r('a b')), 0);
  assert.equal(rewardFunction('count:a')(r('aab')), 2 / 3);
  assert.equal(rewardFunction('length:4')(r('abcdef')), 0.5);
  assert.throws(() => rewardFunction('nope:1'), /unknown reward function/);
  assert.throws(() => rewardFunction('length:x'), /positive integer/);
  assert.throws(() => rewardFunction('__proto__'), /unknown reward function/);
});
