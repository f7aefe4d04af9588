// A training run's final exports: model.gguf + hf/ normally; hf/ alone (with the exact GELU in its
// config.json, and loadable) for a net GGUF cannot express.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { JsBackend } from '../backend/js/index.js';
import { loadModel } from '../models/loader.js';
import { PRESETS } from './presets.js';
import { TrainingRun } from './run-node.js';

for (const gelu of ['tanh', 'erf'] as const) {
  test(`a tiny ${gelu}-GELU run exports ${gelu === 'erf' ? 'hf/ only' : 'model.gguf and hf/'}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmts-run-'));
    try {
      writeFileSync(join(dir, 'data.txt'), 'the quick brown fox jumps over the lazy dog. '.repeat(200));
      const base = PRESETS['nanogpt-shakespeare-char']!;
      const recipe = {
        ...base,
        net: { ...base.net, dim: 16, nLayer: 1, nHead: 2, ffnDim: 32, contextLength: 16, gelu },
        batchSize: 2,
        blockSize: 16,
        maxSteps: 2,
        evalEvery: 0,
        evalBatches: 1,
        saveEvery: 0,
      } as typeof base;
      const be = new JsBackend();
      const out = join(dir, 'run');
      const run = TrainingRun.start(be, {
        out,
        recipe,
        recipeName: 'test',
        data: [join(dir, 'data.txt')],
        tokenizer: 'bytes',
        seed: 1,
        quiet: true,
      });
      try {
        await run.run();
      } finally {
        run.dispose();
      }
      assert.equal(existsSync(join(out, 'model.gguf')), gelu === 'tanh');
      const cfg = JSON.parse(readFileSync(join(out, 'hf', 'config.json'), 'utf8')) as Record<string, unknown>;
      assert.equal(cfg.activation_function, gelu === 'erf' ? 'gelu' : 'gelu_new');
      const model = await loadModel(join(out, 'hf'), { backend: be });
      const s = model.newSession();
      assert.ok(s.forward([116, 104, 101], 'last').every(Number.isFinite));
      s.dispose();
      model.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
