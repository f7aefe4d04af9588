// `llmts init`: a random model of a preset's exact shape that loads and runs, deterministic per
// seed, quantized with quant/'s reference quantizer, with the tokenizer metadata it was given.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { JsBackend } from '../backend/js/index.js';
import { UsageError } from '../errors.js';
import { openFileSource } from '../io/byte-source-node.js';
import { readGguf } from '../io/gguf/index.js';
import { loadModel } from '../models/loader.js';
import { dequantizeRow } from '../quant/index.js';
import { GgmlType } from '../tensor/dtype.js';
import { sharedPath, skipUnlessShared } from '../testing/shared.js';
import { PRESETS, planInit } from './init.js';
import { initModel } from './init-node.js';

const dir = mkdtempSync(join(tmpdir(), 'llmts-init-'));
const backend = new JsBackend();
after(() => {
  rmSync(dir, { recursive: true, force: true });
  backend.dispose();
});

test('stories15m q8_0: the preset shape loads, runs, and has the byte-level placeholder vocab', async () => {
  const out = join(dir, 's15.gguf');
  const r = initModel({ arch: 'llama', preset: 'stories15m', dtype: 'q8_0', seed: 3, out });
  const p = PRESETS.stories15m!.config;
  const model = await loadModel(out, { backend });
  try {
    assert.equal(model.info.params, r.params);
    assert.equal(model.info.dim, p.dim);
    assert.equal(model.info.nLayer, p.nLayer);
    assert.equal(model.info.vocabSize, p.vocabSize);
    assert.ok(r.params > 15e6 && r.params < 16e6, `${r.params} parameters`);
    assert.deepEqual(model.tokenizer!.encode('Hi!', { addSpecial: false }), [72, 105, 33]);
    const logits = model.newSession().forward([72, 105, 33], 'last');
    assert.ok(logits.every(Number.isFinite));
  } finally {
    model.dispose();
  }
  const g = readGguf(openFileSource(out));
  const q = g.tensors.find((t) => t.name === 'blk.0.attn_q.weight')!;
  assert.equal(q.type, GgmlType.Q8_0);
  assert.equal(g.tensors.find((t) => t.name === 'blk.0.attn_norm.weight')!.type, GgmlType.F32);
});

test('same seed, same weights; another seed, other weights; values ~ 0.02·N(0,1)', () => {
  const a = planInit('gpt2', 'gpt2-124m', 'f32', 1).tensors.find((t) => t.name === 'blk.0.attn_qkv.weight')!;
  const b = planInit('gpt2', 'gpt2-124m', 'f32', 1).tensors.find((t) => t.name === 'blk.0.attn_qkv.weight')!;
  const c = planInit('gpt2', 'gpt2-124m', 'f32', 2).tensors.find((t) => t.name === 'blk.0.attn_qkv.weight')!;
  assert.deepEqual(a.shape, [768, 2304]);
  // Each plan draws its own stream; the first tensor produced gets the first numbers.
  const da = a.produce();
  assert.deepEqual(b.produce(), da);
  assert.notDeepEqual(c.produce(), da);
  const v = new Float32Array(da.buffer, da.byteOffset, da.length / 4);
  let s = 0;
  let ss = 0;
  for (const x of v) {
    s += x;
    ss += x * x;
  }
  const mean = s / v.length;
  const std = Math.sqrt(ss / v.length - mean * mean);
  assert.ok(Math.abs(mean) < 1e-3 && Math.abs(std - 0.02) < 5e-4, `mean ${mean} std ${std}`);
});

test('q4_0 rows use the reference quantizer (dequantized values track the f32 draw)', () => {
  const f = planInit('llama', 'stories15m', 'f32', 9).tensors.find((t) => t.name === 'token_embd.weight')!;
  const q = planInit('llama', 'stories15m', 'q4_0', 9).tensors.find((t) => t.name === 'token_embd.weight')!;
  assert.equal(q.type, GgmlType.Q4_0);
  const fb = f.produce();
  const x = new Float32Array(fb.buffer, fb.byteOffset, 288);
  const y = new Float32Array(288);
  dequantizeRow(GgmlType.Q4_0, q.produce(), 0, y, 0, 288);
  let err = 0;
  let norm = 0;
  for (let i = 0; i < 288; i++) {
    err += (x[i]! - y[i]!) ** 2;
    norm += x[i]! ** 2;
  }
  assert.ok(Math.sqrt(err / norm) < 0.15, `relative RMS error ${Math.sqrt(err / norm)}`);
});

test('--tokenizer FILE.gguf: its vocabulary and metadata go into the model', {
  skip: skipUnlessShared('golden', 'models', 'tiny-llama-f32.gguf'),
}, async () => {
  const out = join(dir, 'tok.gguf');
  const tok = sharedPath('golden', 'models', 'tiny-llama-f32.gguf')!;
  initModel({ arch: 'llama', preset: 'stories15m', dtype: 'q4_0', seed: 1, out, tokenizer: tok });
  const model = await loadModel(out, { backend });
  try {
    assert.equal(model.info.vocabSize, 4096);
    // README §1.1: llama-tokenize's ids for this sentence with the truncated SPM vocabulary.
    assert.deepEqual(
      model.tokenizer!.encode('Hello world, this is a test.'),
      [1, 379, 3156, 3186, 47, 445, 338, 263, 1243, 49],
    );
  } finally {
    model.dispose();
  }
  assert.ok(readFileSync(out).length < 6e6, 'Q4_0 weights');
});

test('bad flags are UsageErrors', () => {
  assert.throws(() => planInit('llama', 'nope', 'f32', 0), UsageError);
  assert.throws(() => planInit('gpt2', 'stories15m', 'f32', 0), UsageError);
  assert.throws(() => planInit('llama', 'stories15m', 'q3_k', 0), UsageError);
  assert.throws(() => planInit('llama', 'stories15m', 'f32', -1), UsageError);
  assert.throws(
    () => initModel({ arch: 'llama', preset: 'stories15m', dtype: 'f32', seed: 0, out: join(dir, 'x.bin') }),
    UsageError,
  );
});
