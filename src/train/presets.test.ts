// Presets: every preset passes the recipe checks, and withArch moves a recipe between the two
// architecture families keeping its shape (and the MLP's parameter count within rounding).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type NetShape, PRESETS, withArch } from './presets.js';
import { checkRecipe } from './recipe-check.js';

test('every preset passes checkRecipe', () => {
  for (const [name, r] of Object.entries(PRESETS)) checkRecipe(name, r);
});

test('withArch: nanoGPT recipe (a) as a LLaMA', () => {
  const gpt2 = PRESETS['nanogpt-shakespeare-char']!.net;
  const llama = withArch(gpt2, 'llama');
  assert.deepEqual(llama, {
    arch: 'llama',
    dim: 128,
    nLayer: 4,
    nHead: 4,
    nKvHead: 4,
    ffnDim: 344,
    contextLength: 64,
    ropeTheta: 10000,
    normEps: 1e-5,
    tiedEmbeddings: true,
  });
  // MLP parameters: 2·128·512 (GPT-2) against 3·128·344 (SwiGLU), within 1%
  const mlp = (n: NetShape) => (n.arch === 'llama' ? 3 : 2) * n.dim * n.ffnDim;
  assert.ok(Math.abs(mlp(llama) / mlp(gpt2) - 1) < 0.01);
  assert.equal(withArch(gpt2, 'gpt2'), gpt2);
});

test('withArch: a LLaMA recipe as GPT-2', () => {
  const llama = PRESETS['default-llama']!.net;
  const gpt2 = withArch(llama, 'gpt2');
  assert.deepEqual(gpt2, {
    arch: 'gpt2',
    dim: 128,
    nLayer: 6,
    nHead: 4,
    ffnDim: 576,
    contextLength: 256,
    normEps: 1e-5,
    bias: false,
  });
});
