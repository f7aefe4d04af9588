// A trainer killed with SIGKILL while it writes checkpoints leaves the previous checkpoint
// loadable: the run resumes from the newest complete one.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { JsBackend } from '../backend/js/index.js';
import { REPO_ROOT } from '../testing/shared.js';
import { ADAMW_DEFAULTS } from './adamw.js';
import {
  findLatestCheckpoint,
  listCheckpoints,
  readCheckpointState,
  restoreCheckpoint,
} from './checkpoint-node.js';
import { Trainer } from './trainer.js';

const CLI = join(REPO_ROOT, 'dist', 'cli', 'bin.js');

test('SIGKILL during checkpoint writes leaves a loadable checkpoint', {
  skip: !existsSync(CLI) && 'build first (dist/cli/bin.js)',
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmts-crash-'));
  try {
    const text = 'the quick brown fox jumps over the lazy dog. '.repeat(400);
    writeFileSync(join(dir, 'data.txt'), text);
    const cfg = join(dir, 'recipe.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        preset: 'nanogpt-shakespeare-char',
        net: { dim: 32, nLayer: 1, nHead: 2, ffnDim: 64, contextLength: 16 },
        batchSize: 2,
        blockSize: 16,
        maxSteps: 100000,
        evalEvery: 0,
        saveEvery: 1,
      }),
    );
    const out = join(dir, 'run');
    const child = spawn(
      process.execPath,
      [
        CLI,
        'train',
        '--config',
        cfg,
        '--data',
        join(dir, 'data.txt'),
        '--out',
        out,
        '--backend',
        'js',
        '--quiet',
      ],
      {
        stdio: 'ignore',
      },
    );
    // Kill it at some moment after a few checkpoints exist (most of its time is spent writing them).
    const t0 = Date.now();
    while (listCheckpoints(out).length < 2 && Date.now() - t0 < 60_000)
      await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 37));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const latest = findLatestCheckpoint(out);
    assert.ok(latest !== undefined, 'a complete checkpoint survives');
    const st = readCheckpointState(latest);
    assert.ok(st.step >= 1);
    // Half-written temporaries never count as checkpoints.
    for (const n of readdirSync(join(out, 'checkpoints'))) {
      if (n.startsWith('.')) assert.ok(!listCheckpoints(out).includes(n));
    }
    // And it loads into a trainer of the same shape.
    const data = new Uint16Array(2000).map((_, i) => text.charCodeAt(i % text.length));
    const t = new Trainer(
      new JsBackend(),
      {
        net: {
          arch: 'gpt2',
          vocabSize: 257,
          dim: 32,
          nLayer: 1,
          nHead: 2,
          ffnDim: 64,
          contextLength: 16,
          normEps: 1e-5,
          bias: false, // as the nanogpt-shakespeare-char preset the CLI run starts from
        },
        batchSize: 2,
        blockSize: 16,
        gradAccum: 1,
        maxSteps: 10,
        schedule: { lr: 1e-3, minLr: 1e-4, warmupSteps: 1, decaySteps: 10 },
        optim: { ...ADAMW_DEFAULTS, beta2: 0.99 },
        evalEvery: 0,
        evalBatches: 1,
        seed: 1337,
        maxBadSteps: 3,
      },
      data,
      data,
    );
    restoreCheckpoint(latest, t);
    assert.equal(t.step, st.step);
    t.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
