// GPT-2 training net: the position-embedding init scale (llm.c 0.01, nanoGPT 0.02) and the GELU
// form are configurable and checked as outside input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParamStore } from '../../autograd/index.js';
import { JsBackend } from '../../backend/js/index.js';
import { ConfigError } from '../../errors.js';
import { Rng } from '../rng.js';
import { type Gpt2TrainConfig, initGpt2Params } from './gpt2.js';

const base: Gpt2TrainConfig = {
  arch: 'gpt2',
  vocabSize: 11,
  dim: 16,
  nLayer: 1,
  nHead: 2,
  ffnDim: 32,
  contextLength: 64,
  normEps: 1e-5,
};

function posStd(c: Gpt2TrainConfig): number {
  const be = new JsBackend();
  const params = new ParamStore(be);
  initGpt2Params(params, c, new Rng(5));
  const v = params.get('position_embd.weight');
  const x = new Float32Array(v.size);
  be.read(v.data, x);
  return Math.sqrt(x.reduce((s, a) => s + a * a, 0) / x.length);
}

test('posEmbStd sets the position embeddings init scale (default 0.01)', () => {
  // 1024 samples: the sample std is within ~5% of the true one.
  assert.ok(Math.abs(posStd(base) / 0.01 - 1) < 0.1, String(posStd(base)));
  assert.ok(Math.abs(posStd({ ...base, posEmbStd: 0.02 }) / 0.02 - 1) < 0.1);
});

test('a bad posEmbStd is a ConfigError naming it', () => {
  for (const bad of [0, -0.01, 2, Number.NaN, '0.02']) {
    assert.throws(
      () =>
        initGpt2Params(new ParamStore(new JsBackend()), { ...base, posEmbStd: bad as number }, new Rng(1)),
      (e: unknown) => e instanceof ConfigError && e.field === 'posEmbStd',
    );
  }
});

test("a gelu other than 'tanh' or 'erf' is a ConfigError naming it", () => {
  for (const bad of ['exact', 'gelu_new', 1, null]) {
    assert.throws(
      () => initGpt2Params(new ParamStore(new JsBackend()), { ...base, gelu: bad as 'erf' }, new Rng(1)),
      (e: unknown) => e instanceof ConfigError && e.field === 'gelu',
    );
  }
});
