// End-to-end runs of `finetune --method reward|ppo|distill` on a tiny GGUF base (JS backend):
// the reward model is saved and loads into PPO; metrics, checkpoints and exports are written.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ParamStore } from '../../autograd/index.js';
import { JsBackend } from '../../backend/js/index.js';
import { writeGguf } from '../../io/gguf/index.js';
import { writeSafetensors } from '../../io/safetensors/index.js';
import { ggufMetaFromHfJson } from '../../jobs/convert-tokenizer.js';
import { bytesTokenizerConfig, bytesTokenizerJson } from '../../jobs/tokenizer-gguf.js';
import { tokenizerFromHfJson } from '../../tokenizers/hf-json.js';
import { distillRun } from '../distill/run-node.js';
import { trainedGguf, trainedHf } from '../export.js';
import { type LlamaTrainConfig, NETS, type NetConfig } from '../nets/index.js';
import { Rng } from '../rng.js';
import { type AlignOptions, alignOptionsOf } from './common-node.js';
import { loadRewardModel, rlhfRun } from './run-node.js';

const NET: LlamaTrainConfig = {
  arch: 'llama',
  vocabSize: 257,
  dim: 16,
  nLayer: 1,
  nHead: 2,
  nKvHead: 1,
  ffnDim: 32,
  contextLength: 48,
  ropeTheta: 10000,
  normEps: 1e-5,
  tiedEmbeddings: false,
};

function writeBase(dir: string): string {
  const be = new JsBackend();
  const params = new ParamStore(be);
  NETS.llama.init(params, NET, new Rng(1));
  const map = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  for (const [spec] of params.entries())
    map.set(spec.name, { shape: spec.shape, data: params.read(spec.name) });
  const tok = ggufMetaFromHfJson(bytesTokenizerJson(), bytesTokenizerConfig(), 'tokenizer.json');
  const path = join(dir, 'base.gguf');
  writeFileSync(path, writeGguf(trainedGguf(NET, map, tok, 'tiny')));
  return path;
}

/** n preference pairs ("aaaa" preferred) in dir/pairs.json; returns the path. */
function writePairs(dir: string, n: number): string {
  const data = join(dir, 'pairs.json');
  const pairs = Array.from({ length: n }, (_, i) => ({ prompt: `q${i}`, chosen: 'aaaa', rejected: `b${i}` }));
  writeFileSync(data, JSON.stringify(pairs));
  return data;
}

/** The options every run here shares. */
function runOptions(base: string, data: string, maxSteps: number) {
  return {
    base,
    data,
    template: 'plain',
    maxSteps,
    batchSize: 4,
    blockSize: 24,
    lr: 1e-3,
    evalEvery: 2,
    saveEvery: 2,
    valFraction: 0.25,
    seed: 3,
    quiet: true,
  };
}

function metrics(dir: string): Record<string, unknown>[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('finetune runs: reward model → PPO (reward model and reward function, LoRA) → distill', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmts-rlhf-'));
  try {
    const base = writeBase(dir);
    const common = runOptions(base, writePairs(dir, 12), 4);
    const be = new JsBackend();
    const rmDir = join(dir, 'rm');
    const reward: AlignOptions = { ...common, method: 'reward', out: rmDir };
    const r1 = rlhfRun(be, reward, false);
    await r1.run();
    r1.release();
    for (const f of ['model.gguf', 'heads.safetensors', 'hf/model.safetensors', 'hf/config.json', 'loss.svg'])
      assert.ok(existsSync(join(rmDir, f)), f);
    const hfConfig = JSON.parse(readFileSync(join(rmDir, 'hf', 'config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    assert.deepEqual(hfConfig.architectures, ['LlamaForSequenceClassification']);
    // hf/ carries the base GGUF's tokenizer as tokenizer.json (same ids for the same text)
    const tj = JSON.parse(readFileSync(join(rmDir, 'hf', 'tokenizer.json'), 'utf8')) as unknown;
    const tc = JSON.parse(readFileSync(join(rmDir, 'hf', 'tokenizer_config.json'), 'utf8')) as unknown;
    const text = 'To be, or not to be: 生きるべきか';
    assert.deepEqual(
      tokenizerFromHfJson(tj, tc).encode(text),
      tokenizerFromHfJson(bytesTokenizerJson(), bytesTokenizerConfig()).encode(text),
    );
    const m = metrics(rmDir);
    assert.equal(m.length, 4);
    assert.ok(typeof m[m.length - 1]!.val_accuracy === 'number');
    assert.equal(alignOptionsOf(rmDir)?.method, 'reward');
    // The saved reward model is the trained one: its score head matches the run's parameters.
    const loaded = loadRewardModel(be, rmDir);
    assert.deepEqual(loaded.params.read('score.weight'), r1.trainer.params.read('score.weight'));
    loaded.params.dispose();

    const ppoDir = join(dir, 'ppo');
    const ppo: AlignOptions = {
      ...common,
      method: 'ppo',
      out: ppoDir,
      rewardModel: rmDir,
      maxNew: 4,
      ppoEpochs: 2,
    };
    const r2 = rlhfRun(be, ppo, false);
    await r2.run();
    r2.release();
    const pm = metrics(ppoDir);
    for (const k of ['reward', 'kl', 'policy_loss', 'value_loss', 'clip_frac'])
      assert.ok(typeof pm[0]![k] === 'number', `${k} in ${JSON.stringify(pm[0])}`);
    assert.ok(existsSync(join(ppoDir, 'model.gguf')) && existsSync(join(ppoDir, 'heads.safetensors')));

    const ppo2: AlignOptions = {
      ...common,
      method: 'ppo',
      out: join(dir, 'ppo-fn'),
      reward: 'contains:a',
      lora: { r: 2, alpha: 4, targets: ['q_proj', 'v_proj'] },
      maxNew: 4,
    };
    const r3 = rlhfRun(be, ppo2, false);
    await r3.run();
    r3.release();
    assert.ok(existsSync(join(dir, 'ppo-fn', 'adapter', 'adapter_model.safetensors')));
    assert.throws(
      () => rlhfRun(be, { ...ppo2, out: join(dir, 'x'), reward: undefined }, false),
      /exactly one of/,
    );
    assert.throws(
      () => rlhfRun(be, { ...ppo2, out: join(dir, 'y'), reward: 'bogus:1' }, false),
      /unknown reward function/,
    );

    const sft = join(dir, 'sft.json');
    writeFileSync(
      sft,
      JSON.stringify(Array.from({ length: 8 }, (_, i) => ({ instruction: `say ${i}`, output: 'aaaa bbbb' }))),
    );
    const dDir = join(dir, 'distill');
    const r4 = distillRun(
      be,
      { ...common, method: 'distill', data: sft, out: dDir, teacher: join(rmDir, 'model.gguf'), alpha: 0.5 },
      false,
    );
    await r4.run();
    r4.release();
    const dm = metrics(dDir);
    assert.ok(typeof dm[dm.length - 1]!.val_kl === 'number');
    // Resume continues from the last checkpoint.
    const again = distillRun(be, { ...alignOptionsOf(dDir)!, maxSteps: 6 }, true);
    assert.equal(again.trainer.step, 4);
    await again.run();
    again.release();
    assert.equal(metrics(dDir).length, 6);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a reward model with no GGUF export (GPT-2, exact GELU) loads from hf/ into PPO', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmts-rlhf-erf-'));
  try {
    // an HF base: GPT-2 with the exact GELU, which GGUF cannot describe
    const net: NetConfig = {
      arch: 'gpt2',
      vocabSize: 257,
      dim: 16,
      nLayer: 1,
      nHead: 2,
      ffnDim: 32,
      contextLength: 48,
      normEps: 1e-5,
      gelu: 'erf',
    };
    const be = new JsBackend();
    const params = new ParamStore(be);
    NETS.gpt2.init(params, net, new Rng(2));
    const map = new Map<string, { shape: readonly number[]; data: Float32Array }>();
    for (const [spec] of params.entries())
      map.set(spec.name, { shape: spec.shape, data: params.read(spec.name) });
    params.dispose();
    const base = join(dir, 'base');
    mkdirSync(base);
    const hf = trainedHf(net, map);
    writeFileSync(join(base, 'model.safetensors'), writeSafetensors(hf.tensors, { format: 'pt' }));
    writeFileSync(join(base, 'config.json'), JSON.stringify(hf.config));
    writeFileSync(join(base, 'tokenizer.json'), JSON.stringify(bytesTokenizerJson()));
    writeFileSync(join(base, 'tokenizer_config.json'), JSON.stringify(bytesTokenizerConfig()));
    const common = runOptions(base, writePairs(dir, 8), 2);
    const rmDir = join(dir, 'rm');
    const r1 = rlhfRun(be, { ...common, method: 'reward', out: rmDir }, false);
    await r1.run();
    r1.release();
    assert.ok(!existsSync(join(rmDir, 'model.gguf')), 'no GGUF for an exact-GELU GPT-2');
    const loaded = loadRewardModel(be, rmDir);
    assert.equal(loaded.net.arch === 'gpt2' ? loaded.net.gelu : '', 'erf');
    assert.deepEqual(loaded.params.read('score.weight'), r1.trainer.params.read('score.weight'));
    assert.deepEqual(
      loaded.params.read('blk.0.ffn_up.weight'),
      r1.trainer.params.read('blk.0.ffn_up.weight'),
    );
    loaded.params.dispose();
    // and PPO takes it as its reward model
    const ppoDir = join(dir, 'ppo');
    const r2 = rlhfRun(be, { ...common, method: 'ppo', out: ppoDir, rewardModel: rmDir, maxNew: 4 }, false);
    await r2.run();
    r2.release();
    assert.ok(metrics(ppoDir).length > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
