// `llmts train --config FILE` is hostile input: unknown keys and out-of-range or mistyped values
// are ConfigErrors naming the field (before: a RangeError deep in the batcher, or silently used
// values such as beta1 = 7); a valid config's values reach the recipe.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ConfigError } from '../errors.js';
import { PRESETS } from './presets.js';
import { checkRecipe } from './recipe-check.js';
import { recipeFor } from './run-node.js';

const dir = mkdtempSync(join(tmpdir(), 'llmts-recipe-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function config(json: unknown): string {
  const p = join(dir, `c${n++}.json`);
  writeFileSync(p, typeof json === 'string' ? json : JSON.stringify(json));
  return p;
}

function refused(json: unknown, field: string): void {
  assert.throws(
    () => recipeFor(undefined, config(json)),
    (e: unknown) => e instanceof ConfigError && e.field === field,
    `${JSON.stringify(json)} should be refused naming ${field}`,
  );
}

test('every preset passes the recipe check', () => {
  for (const [name, r] of Object.entries(PRESETS)) checkRecipe(name, r);
});

test('bad --config values are ConfigErrors naming the field', () => {
  refused({ lr: 'abc' }, 'lr');
  refused({ lr: -1 }, 'lr');
  refused({ batchSize: -3 }, 'batchSize');
  refused({ maxSteps: 1.5 }, 'maxSteps');
  refused({ blockSize: 1 }, 'blockSize');
  refused({ valFraction: 1 }, 'valFraction');
  refused({ valFraction: 0 }, 'valFraction');
  refused({ evalBatches: 0 }, 'evalBatches');
  refused({ optim: { beta1: 7 } }, 'optim.beta1');
  refused({ optim: { eps: 0 } }, 'optim.eps');
  refused({ optim: { decayRule: 'all' } }, 'optim.decayRule');
  refused({ optim: { learningRate: 1 } }, 'optim.learningRate');
  refused({ learning_rate: 0.001 }, 'learning_rate');
  refused({ optim: [1] }, 'optim');
  refused([1, 2], 'config');
});

test('a valid --config reaches the recipe', () => {
  const { recipe } = recipeFor(undefined, config({ lr: 0.002, maxSteps: 10, optim: { decayRule: 'ndim' } }));
  assert.equal(recipe.lr, 0.002);
  assert.equal(recipe.maxSteps, 10);
  assert.equal(recipe.optim.decayRule, 'ndim');
  assert.equal(recipe.optim.beta2, PRESETS['nanogpt-shakespeare-char']!.optim.beta2);
});
