// Loading a base model for fine-tuning keeps what the trainable net must reproduce: here, the
// GELU form of a GPT-2 checkpoint (an exact-GELU model must not be fine-tuned as tanh-GELU).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ParamStore } from '../../autograd/index.js';
import { JsBackend } from '../../backend/js/index.js';
import { writeSafetensors } from '../../io/safetensors/index.js';
import { trainedHf } from '../export.js';
import { NETS, type NetConfig } from '../nets/index.js';
import { Rng } from '../rng.js';
import { loadBaseModel } from './base-node.js';

for (const gelu of ['tanh', 'erf'] as const) {
  test(`a GPT-2 checkpoint with ${gelu} GELU loads as a ${gelu}-GELU trainable net`, () => {
    const net: NetConfig = {
      arch: 'gpt2',
      vocabSize: 40,
      dim: 16,
      nLayer: 1,
      nHead: 2,
      ffnDim: 32,
      contextLength: 16,
      normEps: 1e-5,
      gelu,
    };
    const be = new JsBackend();
    const params = new ParamStore(be);
    NETS.gpt2.init(params, net, new Rng(3));
    const map = new Map<string, { shape: readonly number[]; data: Float32Array }>();
    for (const [spec] of params.entries())
      map.set(spec.name, { shape: spec.shape, data: params.read(spec.name) });
    const hf = trainedHf(net, map);
    const dir = mkdtempSync(join(tmpdir(), 'llmts-base-'));
    try {
      writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(hf.tensors, { format: 'pt' }));
      writeFileSync(join(dir, 'config.json'), JSON.stringify(hf.config));
      const base = loadBaseModel(dir);
      assert.equal(base.net.arch, 'gpt2');
      assert.equal(base.net.arch === 'gpt2' ? (base.net.gelu ?? 'tanh') : '', gelu);
      assert.deepEqual(base.tensors.get('blk.0.ffn_up.weight'), map.get('blk.0.ffn_up.weight')!.data);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
