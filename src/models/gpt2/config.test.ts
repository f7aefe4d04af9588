import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UnsupportedError } from '../../errors.js';
import { HfConfig } from '../common/hf-config.js';
import { gpt2ConfigFromHf, gpt2GgufHparams, gpt2HfConfig } from './config.js';

const BASE = { n_embd: 64, n_head: 4, n_layer: 2, n_positions: 128, vocab_size: 300 };
const hf = (extra: Record<string, unknown>) =>
  gpt2ConfigFromHf(new HfConfig({ ...BASE, ...extra }, 'config.json'));

test("GPT-2 GELU form from activation_function: tanh names, exact 'gelu', anything else refused", () => {
  for (const act of ['gelu_new', 'gelu_pytorch_tanh', 'gelu_fast'])
    assert.equal(hf({ activation_function: act }).gelu, 'tanh');
  assert.equal(hf({}).gelu, 'tanh'); // transformers' GPT2Config default is gelu_new
  assert.equal(hf({ activation_function: 'gelu' }).gelu, 'erf');
  assert.throws(
    () => hf({ activation_function: 'relu' }),
    (e: Error) =>
      e instanceof UnsupportedError && e.field === 'activation_function' && /relu/.test(e.message),
  );
});

test('an exact-GELU GPT-2 round-trips through config.json and is refused as GGUF', () => {
  const c = hf({ activation_function: 'gelu' });
  assert.equal(gpt2HfConfig(c).activation_function, 'gelu');
  assert.equal(gpt2HfConfig(hf({})).activation_function, 'gelu_new');
  assert.throws(
    () => gpt2GgufHparams(c),
    (e: Error) => e instanceof UnsupportedError && e.field === 'activation_function',
  );
  assert.ok(gpt2GgufHparams(hf({})).length > 0);
});
