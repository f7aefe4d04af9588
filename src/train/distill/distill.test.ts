// Distillation: a student trained on the teacher's softened distribution ends closer to the
// teacher (held-out KL) than the same student trained on hard labels alone; vocabularies must match.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Graph, ParamStore } from '../../autograd/index.js';
import { JsBackend } from '../../backend/js/index.js';
import { ADAMW_DEFAULTS } from '../adamw.js';
import type { TokenizedExample } from '../finetune/datasets.js';
import { type LlamaTrainConfig, NETS } from '../nets/index.js';
import { sampleResponses } from '../rlhf/rollout.js';
import { Rng } from '../rng.js';
import { type TrainConfig, Trainer } from '../trainer.js';
import { DistillObjective, netTeacher, type Teacher } from './objective.js';

const TEACHER: LlamaTrainConfig = {
  arch: 'llama',
  vocabSize: 16,
  dim: 16,
  nLayer: 1,
  nHead: 2,
  nKvHead: 1,
  ffnDim: 32,
  contextLength: 32,
  ropeTheta: 10000,
  normEps: 1e-5,
  tiedEmbeddings: false,
};
const STUDENT: LlamaTrainConfig = { ...TEACHER, dim: 8, nHead: 1, ffnDim: 16 };

function setup(be: JsBackend): { teacher: Teacher; train: TokenizedExample[]; val: TokenizedExample[] } {
  const params = new ParamStore(be);
  NETS.llama.init(params, TEACHER, new Rng(21));
  // A peaked but not deterministic teacher: scale up the random output head.
  params.set(
    'output.weight',
    params.read('output.weight').map((x) => x * 60),
  );
  const g = new Graph(be);
  const rng = new Rng(4);
  const prompts = Array.from({ length: 48 }, () => [rng.int(TEACHER.vocabSize)]);
  const seqs = sampleResponses(g, { net: TEACHER, params }, prompts, {
    maxNew: 15,
    temperature: 1,
    stop: new Set(),
    rng,
  });
  const ex = seqs.map((s, i) => ({ ids: [prompts[i]![0]!, ...s], mask: new Uint8Array(16).fill(1) }));
  g.dispose();
  return { teacher: netTeacher(be, TEACHER, params), train: ex.slice(0, 40), val: ex.slice(40) };
}

function trainStudent(be: JsBackend, s: ReturnType<typeof setup>, alpha: number): number {
  const obj = new DistillObjective(STUDENT, s.train, s.val, 4, 15, 1, s.teacher, { temperature: 2, alpha });
  const cfg: TrainConfig = {
    net: STUDENT,
    batchSize: 4,
    blockSize: 15,
    gradAccum: 1,
    maxSteps: 80,
    schedule: { lr: 1e-2, minLr: 1e-3, warmupSteps: 5, decaySteps: 80 },
    optim: { ...ADAMW_DEFAULTS, weightDecay: 0 },
    evalEvery: 0,
    evalBatches: 2,
    seed: 3,
    maxBadSteps: 3,
  };
  const trainer = new Trainer(be, cfg, undefined, undefined, { objective: obj });
  while (trainer.step < cfg.maxSteps) trainer.trainStep();
  trainer.evaluate();
  const kl = obj.lastEval!.kl1;
  trainer.dispose();
  return kl;
}

test('distillation: the student ends closer to the teacher than one trained on labels alone', () => {
  const be = new JsBackend();
  const s = setup(be);
  const hard = trainStudent(be, s, 0);
  const soft = trainStudent(be, s, 0.9);
  assert.ok(soft < 0.8 * hard, `held-out KL(teacher ‖ student): distilled ${soft}, hard labels ${hard}`);
  s.teacher.dispose();
});

test('distillation: a teacher with another vocabulary is refused', () => {
  const teacher: Teacher = { vocabSize: 17, logits: () => new Float32Array(0), dispose: () => {} };
  const ex = [{ ids: [1, 2, 3, 4], mask: new Uint8Array(4).fill(1) }];
  assert.throws(
    () => new DistillObjective(STUDENT, ex, [], 1, 3, 1, teacher, { temperature: 2, alpha: 0.5 }),
    /vocabulary \(17 tokens\) differs/,
  );
});
