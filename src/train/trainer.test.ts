import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { JsBackend } from '../backend/js/index.js';
import { ADAMW_DEFAULTS } from './adamw.js';
import { findLatestCheckpoint, restoreCheckpoint, saveCheckpoint } from './checkpoint-node.js';
import { Rng } from './rng.js';
import { type TrainConfig, Trainer, TrainingAbortedError } from './trainer.js';

function config(): TrainConfig {
  return {
    net: {
      arch: 'llama',
      vocabSize: 32,
      dim: 16,
      nLayer: 2,
      nHead: 2,
      nKvHead: 1,
      ffnDim: 32,
      contextLength: 16,
      ropeTheta: 10000,
      normEps: 1e-5,
      tiedEmbeddings: false,
    },
    batchSize: 3,
    blockSize: 8,
    gradAccum: 2,
    maxSteps: 12,
    schedule: { lr: 3e-3, minLr: 3e-4, warmupSteps: 3, decaySteps: 12 },
    optim: { ...ADAMW_DEFAULTS },
    evalEvery: 0,
    evalBatches: 2,
    seed: 42,
    maxBadSteps: 3,
  };
}

/** A learnable token stream: a noisy repeating pattern. */
function tokens(n: number): Uint16Array {
  const r = new Rng(9);
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++) out[i] = r.next() < 0.9 ? (i * 7) % 32 : r.int(32);
  return out;
}

test('training lowers the loss on a learnable stream', () => {
  const data = tokens(4000);
  const t = new Trainer(
    new JsBackend(),
    { ...config(), maxSteps: 60, schedule: { lr: 1e-2, minLr: 1e-3, warmupSteps: 5, decaySteps: 60 } },
    data.subarray(0, 3600),
    data.subarray(3600),
  );
  const before = t.evaluate();
  for (let i = 0; i < 60; i++) t.trainStep();
  const after = t.evaluate();
  assert.ok(after < before * 0.6, `val loss ${before} → ${after}`);
  t.dispose();
});

test('resume from a checkpoint gives bit-identical losses (JS backend)', () => {
  const data = tokens(2000);
  const [train, val] = [data.subarray(0, 1800), data.subarray(1800)];
  const full = new Trainer(new JsBackend(), config(), train, val);
  const straight: number[] = [];
  for (let i = 0; i < 12; i++) straight.push(full.trainStep().loss);
  full.dispose();

  const out = mkdtempSync(join(tmpdir(), 'llmts-resume-'));
  try {
    const first = new Trainer(new JsBackend(), config(), train, val);
    const resumed: number[] = [];
    for (let i = 0; i < 5; i++) resumed.push(first.trainStep().loss);
    saveCheckpoint(out, first, { note: 'test' });
    first.dispose();
    const second = new Trainer(new JsBackend(), { ...config(), seed: 42 }, train, val);
    const dir = findLatestCheckpoint(out);
    assert.ok(dir !== undefined);
    restoreCheckpoint(dir, second);
    assert.equal(second.step, 5);
    for (let i = 5; i < 12; i++) resumed.push(second.trainStep().loss);
    second.dispose();
    assert.deepEqual(resumed, straight);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('a NaN loss skips the step, and K in a row abort', () => {
  const data = tokens(2000);
  const t = new Trainer(new JsBackend(), config(), data.subarray(0, 1800), data.subarray(1800));
  t.trainStep();
  const before = new Float32Array(t.params.read('blk.0.attn_q.weight'));
  t.injectNaN = true;
  const log = t.trainStep();
  assert.equal(log.skipped, 'non-finite loss');
  assert.deepEqual(t.params.read('blk.0.attn_q.weight'), before, 'parameters unchanged by the skipped step');
  assert.ok(!t.trainStep().skipped, 'training continues');
  t.injectNaN = true;
  t.trainStep();
  t.injectNaN = true;
  t.trainStep();
  t.injectNaN = true;
  assert.throws(() => t.trainStep(), TrainingAbortedError);
  t.dispose();
});
