import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crossEntropy, Graph, ParamStore } from '../../autograd/index.js';
import { JsBackend } from '../../backend/js/index.js';
import { MemorySource } from '../../io/byte-source.js';
import { readSafetensors, writeSafetensors } from '../../io/safetensors/index.js';
import { bytesTokenizerJson } from '../../jobs/tokenizer-gguf.js';
import { ChatTemplate, FALLBACK_TEMPLATES } from '../../tokenizers/chat-template.js';
import { tokenizerFromHfJson } from '../../tokenizers/hf-json.js';
import { ADAMW_DEFAULTS, AdamW } from '../adamw.js';
import { type LlamaTrainConfig, NETS } from '../nets/index.js';
import { addLoraAdapters } from '../nets/lora.js';
import { Rng } from '../rng.js';
import { Trainer } from '../trainer.js';
import {
  parsePreferenceRecords,
  parseSftRecords,
  type RenderContext,
  tokenizeConversation,
  tokenizePair,
} from './datasets.js';
import { DpoObjective, SftObjective } from './objectives.js';
import { fromPeft, mergeAdapter, toPeft } from './peft.js';

const NET: LlamaTrainConfig = {
  arch: 'llama',
  vocabSize: 257,
  dim: 32,
  nLayer: 2,
  nHead: 4,
  nKvHead: 2,
  ffnDim: 48,
  contextLength: 64,
  ropeTheta: 10000,
  normEps: 1e-5,
  tiedEmbeddings: false,
};

function ctx(): RenderContext {
  const tokenizer = tokenizerFromHfJson(bytesTokenizerJson());
  return { template: new ChatTemplate(FALLBACK_TEMPLATES.plain), tokenizer };
}

function baseParams(be: JsBackend, frozen: boolean): ParamStore {
  const src = new ParamStore(be);
  NETS.llama.init(src, NET, new Rng(11));
  const params = new ParamStore(be);
  for (const [spec, v] of src.entries())
    params.add({ ...spec, frozen }, src.read(spec.name).slice(0, v.size));
  return params;
}

test('SFT: only assistant tokens are trained (mask and targets)', () => {
  const c = ctx();
  const [conv] = parseSftRecords([{ instruction: 'Say hi', input: '', output: 'hi there' }], 'mem');
  const ex = tokenizeConversation(c, conv!);
  const text = c.tokenizer.decode(ex.ids);
  assert.equal(text, 'User: Say hi\nAssistant: hi there\n');
  const trained = c.tokenizer.decode(ex.ids.filter((_, i) => ex.mask[i] === 1));
  assert.equal(trained, ' hi there\n');
  const obj = new SftObjective(NET, [ex, ex, ex, ex], [], 1, 16, 1);
  const be = new JsBackend();
  const params = baseParams(be, false);
  const g = new Graph(be);
  const r = obj.loss(g, params, undefined);
  // The loss counts exactly the target positions whose token is an assistant token.
  let expected = 0;
  const stream = [...ex.ids, ...ex.ids];
  const maskStream = [...ex.mask, ...ex.mask];
  for (let i = 1; i <= 16; i++) if (maskStream[i] === 1 && stream[i] !== undefined) expected++;
  assert.equal(r.count, expected);
  assert.throws(() => parseSftRecords([{ instruction: 'x', output: '   ' }], 'mem'), /empty response/);
  assert.throws(() => parseSftRecords([{ instruction: 'x' }], 'mem'), /missing "instruction" or "output"/);
});

test('LoRA: only adapter parameters receive gradients and change', () => {
  const be = new JsBackend();
  const params = baseParams(be, true);
  const adapters = addLoraAdapters(
    params,
    { r: 4, alpha: 8, targets: ['attn_q', 'attn_v', 'ffn_down'] },
    new Rng(2),
  );
  const before = new Map([...params.entries()].map(([s]) => [s.name, params.read(s.name)]));
  const g = new Graph(be);
  const opt = new AdamW(be, params, { ...ADAMW_DEFAULTS, weightDecay: 0 });
  const ids = Int32Array.from({ length: 32 }, (_, i) => (i * 13) % 257);
  const tg = Int32Array.from({ length: 32 }, (_, i) => (i * 7) % 257);
  for (let s = 0; s < 2; s++) {
    params.zeroGrad();
    g.reset();
    const r = NETS.llama.logits(g, params, NET, ids, 2, 16, adapters);
    g.backward(crossEntropy(g, r, tg).loss);
    for (const [spec, v] of params.entries()) {
      const isAdapter = /lora_[ab]$/.test(spec.name);
      assert.equal(v.requiresGrad, isAdapter, spec.name);
      if (!isAdapter) assert.equal(v.grad, null, `${spec.name} has no gradient buffer`);
    }
    opt.update(1e-2);
  }
  for (const [spec] of params.entries()) {
    const changed = params.read(spec.name).some((x, i) => x !== before.get(spec.name)![i]);
    assert.equal(changed, /lora_[ab]$/.test(spec.name), `${spec.name} changed: ${changed}`);
  }
});

test('LoRA: PEFT save → load is exact, and the merged model equals base + adapter', () => {
  const be = new JsBackend();
  const params = baseParams(be, true);
  const adapters = addLoraAdapters(params, { r: 4, alpha: 8, targets: ['all-linear'] }, new Rng(3));
  // Give B non-zero values so the adapter changes the model.
  const rng = new Rng(5);
  for (const ad of adapters.values()) {
    params.set(
      ad.b.name,
      Float32Array.from({ length: ad.b.size }, () => rng.normal() * 0.05),
    );
  }
  const layers = new Map(
    [...adapters].map(([name, ad]) => [
      name,
      { a: params.read(ad.a.name), b: params.read(ad.b.name), rows: ad.b.shape[0]!, cols: ad.a.shape[1]! },
    ]),
  );
  const tensorsIn = { layers, r: 4, alpha: 8 };
  const peft = toPeft(NET, tensorsIn, 'base');
  assert.ok(
    peft.tensors.some((t) => t.name === 'base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight'),
  );
  assert.deepEqual(peft.config.target_modules, [
    'down_proj',
    'gate_proj',
    'k_proj',
    'o_proj',
    'q_proj',
    'up_proj',
    'v_proj',
  ]);
  const file = writeSafetensors(peft.tensors, { format: 'pt' });
  const st = readSafetensors(new MemorySource(file, 'adapter_model.safetensors'));
  const read = new Map(
    st.tensors.map((t) => [
      t.name,
      { shape: t.shape, data: new Float32Array(file.slice(t.offset, t.offset + t.byteLength).buffer) },
    ]),
  );
  const back = fromPeft(NET, JSON.parse(JSON.stringify(peft.config)), read, 'adapter');
  assert.equal(back.layers.size, layers.size);
  for (const [name, l] of layers) {
    assert.deepEqual(back.layers.get(name)!.a, l.a, `${name} A`);
    assert.deepEqual(back.layers.get(name)!.b, l.b, `${name} B`);
  }
  // Merged weights reproduce base + adapter logits.
  const ids = Int32Array.from({ length: 12 }, (_, i) => (i * 29) % 257);
  const g = new Graph(be);
  const withAdapter = new Float32Array(12 * 257);
  be.read(g.noGrad(() => NETS.llama.logits(g, params, NET, ids, 1, 12, adapters)).data, withAdapter);
  const base = new Map<string, Float32Array>();
  for (const [spec] of params.entries())
    if (!/lora_[ab]$/.test(spec.name)) base.set(spec.name, params.read(spec.name));
  const merged = mergeAdapter(base, back);
  const mp = new ParamStore(be);
  for (const [spec] of params.entries()) if (base.has(spec.name)) mp.add(spec, merged.get(spec.name)!);
  g.reset();
  const mergedLogits = new Float32Array(12 * 257);
  be.read(g.noGrad(() => NETS.llama.logits(g, mp, NET, ids, 1, 12)).data, mergedLogits);
  let worst = 0;
  let moved = 0;
  g.reset();
  const plain = new Float32Array(12 * 257);
  be.read(g.noGrad(() => NETS.llama.logits(g, params, NET, ids, 1, 12, undefined)).data, plain);
  for (let i = 0; i < plain.length; i++) {
    worst = Math.max(worst, Math.abs(mergedLogits[i]! - withAdapter[i]!));
    moved = Math.max(moved, Math.abs(withAdapter[i]! - plain[i]!));
  }
  assert.ok(worst < 1e-5, `merged vs adapter logits differ by ${worst}`);
  assert.ok(moved > 1e-4, 'the adapter changes the logits');
});

test('DPO raises the chosen-over-rejected margin on held-out pairs', () => {
  const c = ctx();
  const rng = new Rng(9);
  const words = ['apple', 'river', 'stone', 'cloud', 'tiger', 'maple', 'ocean', 'amber'];
  const records = Array.from({ length: 48 }, () => ({
    prompt: `${words[rng.int(8)]} ${words[rng.int(8)]}?`,
    chosen: 'yes',
    rejected: 'no',
  }));
  const pairs = parsePreferenceRecords(records, 'mem').map((p) => tokenizePair(c, p));
  const be = new JsBackend();
  const obj = new DpoObjective(NET, pairs.slice(0, 40), pairs.slice(40), 4, 24, 0.1, 1);
  const trainer = new Trainer(
    be,
    {
      net: NET,
      batchSize: 8,
      blockSize: 24,
      gradAccum: 1,
      maxSteps: 30,
      schedule: { lr: 3e-3, minLr: 3e-4, warmupSteps: 2, decaySteps: 30 },
      optim: ADAMW_DEFAULTS,
      evalEvery: 0,
      evalBatches: 1,
      seed: 1,
      maxBadSteps: 3,
    },
    undefined,
    undefined,
    { objective: obj },
  );
  obj.precomputeReference(trainer.graph, trainer.params, undefined);
  trainer.evaluate();
  const before = obj.lastEvalStats!;
  assert.ok(Math.abs(before.margin) < 1e-6, 'policy = reference at the start');
  for (let i = 0; i < 30; i++) trainer.trainStep();
  trainer.evaluate();
  const after = obj.lastEvalStats!;
  assert.ok(after.margin > 0.5, `held-out margin ${before.margin} → ${after.margin}`);
  assert.equal(after.accuracy, 1);
  trainer.dispose();
});
