// A model trained here, exported to GGUF and to HF safetensors, loads back with the inference
// loader and gives the same logits as the training graph.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { JsBackend } from '../backend/js/index.js';
import { UnsupportedError } from '../errors.js';
import { writeGguf } from '../io/gguf/index.js';
import { writeSafetensors } from '../io/safetensors/index.js';
import { ggufMetaFromHfJson } from '../jobs/convert-tokenizer.js';
import { bytesTokenizerConfig, bytesTokenizerJson } from '../jobs/tokenizer-gguf.js';
import { loadModel } from '../models/loader.js';
import { ADAMW_DEFAULTS } from './adamw.js';
import { trainedGguf, trainedHf } from './export.js';
import { NETS, type NetConfig } from './nets/index.js';
import { Rng } from './rng.js';
import { Trainer } from './trainer.js';

const NETS_UNDER_TEST: NetConfig[] = [
  {
    arch: 'llama',
    vocabSize: 257,
    dim: 32,
    nLayer: 2,
    nHead: 4,
    nKvHead: 2,
    ffnDim: 48,
    contextLength: 32,
    ropeTheta: 10000,
    normEps: 1e-5,
    tiedEmbeddings: false,
  },
  {
    arch: 'llama',
    vocabSize: 257,
    dim: 32,
    nLayer: 1,
    nHead: 2,
    nKvHead: 2,
    ffnDim: 40,
    contextLength: 32,
    ropeTheta: 500000,
    normEps: 1e-6,
    tiedEmbeddings: true,
  },
  {
    arch: 'gpt2',
    vocabSize: 257,
    dim: 32,
    nLayer: 2,
    nHead: 4,
    ffnDim: 64,
    contextLength: 32,
    normEps: 1e-5,
  },
  // nanoGPT's exact GELU: Hugging Face only (GGUF's gpt2 has the tanh form alone).
  {
    arch: 'gpt2',
    vocabSize: 257,
    dim: 32,
    nLayer: 2,
    nHead: 4,
    ffnDim: 64,
    contextLength: 32,
    normEps: 1e-5,
    gelu: 'erf',
  },
];

for (const net of NETS_UNDER_TEST) {
  const erf = net.arch === 'gpt2' && net.gelu === 'erf';
  const what = erf
    ? 'exact-GELU gpt2 exports to HF (GGUF refused)'
    : `${net.arch} (tied: ${'tiedEmbeddings' in net ? net.tiedEmbeddings : true}) exports to GGUF and HF`;
  test(`trained ${what} with the same logits`, async () => {
    const be = new JsBackend();
    const r = new Rng(5);
    const data = Uint16Array.from({ length: 3000 }, (_, i) => (i % 17 === 0 ? r.int(257) : (i * 31) % 200));
    const trainer = new Trainer(
      be,
      {
        net,
        batchSize: 2,
        blockSize: 16,
        gradAccum: 1,
        maxSteps: 5,
        schedule: { lr: 1e-2, minLr: 1e-3, warmupSteps: 1, decaySteps: 5 },
        optim: ADAMW_DEFAULTS,
        evalEvery: 0,
        evalBatches: 1,
        seed: 1,
        maxBadSteps: 3,
      },
      data.subarray(0, 2500),
      data.subarray(2500),
    );
    for (let i = 0; i < 5; i++) trainer.trainStep();
    const ids = Int32Array.from([72, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100]);
    const g = trainer.graph;
    g.reset();
    const logitsVar = g.noGrad(() => NETS[net.arch].logits(g, trainer.params, net, ids, 1, ids.length));
    const want = new Float32Array(ids.length * net.vocabSize);
    be.read(logitsVar.data, want);

    const params = new Map<string, { shape: readonly number[]; data: Float32Array }>();
    for (const [spec] of trainer.params.entries())
      params.set(spec.name, { shape: spec.shape, data: trainer.params.read(spec.name) });
    const dir = mkdtempSync(join(tmpdir(), 'llmts-export-'));
    try {
      const tokJson = bytesTokenizerJson();
      const ggufSpec = () =>
        trainedGguf(
          net,
          params,
          ggufMetaFromHfJson(tokJson, bytesTokenizerConfig(), 'tokenizer.json'),
          'test',
        );
      if (erf) assert.throws(ggufSpec, (e: Error) => e instanceof UnsupportedError && /tanh/.test(e.message));
      else writeFileSync(join(dir, 'model.gguf'), writeGguf(ggufSpec()));
      const hf = trainedHf(net, params);
      mkdirSync(join(dir, 'hf'));
      writeFileSync(join(dir, 'hf', 'model.safetensors'), writeSafetensors(hf.tensors, { format: 'pt' }));
      writeFileSync(join(dir, 'hf', 'config.json'), JSON.stringify(hf.config));
      writeFileSync(join(dir, 'hf', 'tokenizer.json'), JSON.stringify(tokJson));
      writeFileSync(join(dir, 'hf', 'tokenizer_config.json'), JSON.stringify(bytesTokenizerConfig()));
      const worstOf = async (path: string) => {
        const model = await loadModel(path, { backend: be });
        const s = model.newSession();
        const got = s.forward(ids, 'all');
        let worst = 0;
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
        s.dispose();
        model.dispose();
        return worst;
      };
      if (erf) {
        // The check can fail: the same weights read as tanh-GELU are measurably off.
        assert.equal(hf.config.activation_function, 'gelu');
        const tanhDir = join(dir, 'hf-tanh');
        mkdirSync(tanhDir);
        for (const f of ['model.safetensors', 'tokenizer.json', 'tokenizer_config.json'])
          copyFileSync(join(dir, 'hf', f), join(tanhDir, f));
        writeFileSync(
          join(tanhDir, 'config.json'),
          JSON.stringify({ ...hf.config, activation_function: 'gelu_new' }),
        );
        const off = await worstOf(tanhDir);
        const right = await worstOf(join(dir, 'hf'));
        assert.ok(right * 20 < off, `exact-GELU logits off by ${right}, tanh-read by ${off}`);
      }
      for (const path of erf ? [join(dir, 'hf')] : [join(dir, 'model.gguf'), join(dir, 'hf')]) {
        const model = await loadModel(path, { backend: be });
        const s = model.newSession();
        const got = s.forward(ids, 'all');
        let worst = 0;
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
        assert.ok(worst < 1e-4, `${path}: max |Δlogit| ${worst}`);
        assert.deepEqual(model.tokenizer?.encode('Hello', { addSpecial: false }), [72, 101, 108, 108, 111]);
        s.dispose();
        model.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      trainer.dispose();
    }
  });
}
