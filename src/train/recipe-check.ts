// Validation of a training recipe read from a `--config` JSON file (hostile input): every field a
// known key of the right type and range, so a typo or a bad value is a ConfigError naming the
// field before anything is allocated — not a crash deep in the trainer or a silently ignored key.
// The network shape itself is checked by the nets' own validators (validateGpt2Config, ...).
import { ConfigError } from '../errors.js';
import type { Recipe } from './presets.js';

const RECIPE_KEYS = [
  'preset',
  'net',
  'tokenizer',
  'batchSize',
  'blockSize',
  'gradAccum',
  'maxSteps',
  'lr',
  'minLr',
  'warmupSteps',
  'optim',
  'evalEvery',
  'evalBatches',
  'saveEvery',
  'valFraction',
] as const;
const OPTIM_KEYS = ['beta1', 'beta2', 'eps', 'weightDecay', 'gradClip', 'decayRule'] as const;
const LIMIT = 1e9;

function fail(source: string, field: string, want: string, got: unknown): never {
  throw new ConfigError(`${source}: ${field} must be ${want}, got ${JSON.stringify(got) ?? String(got)}`, {
    field,
  });
}

function int(source: string, field: string, v: unknown, min: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > LIMIT)
    fail(source, field, `an integer in [${min}, ${LIMIT}]`, v);
}

function real(source: string, field: string, v: unknown, min: number, max: number, maxOpen = false): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (maxOpen && v === max))
    fail(source, field, `a number in [${min}, ${max}${maxOpen ? ')' : ']'}`, v);
}

/** Refuses keys that a recipe does not have (typos would otherwise be ignored silently). */
export function checkRecipeKeys(source: string, json: unknown): void {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new ConfigError(`${source}: the config must be a JSON object`, { field: 'config' });
  const o = json as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!(RECIPE_KEYS as readonly string[]).includes(k))
      throw new ConfigError(`${source}: unknown key "${k}"; known: ${RECIPE_KEYS.join(', ')}`, { field: k });
  }
  for (const k of ['net', 'optim'] as const) {
    const v = o[k];
    if (v !== undefined && (typeof v !== 'object' || v === null || Array.isArray(v)))
      fail(source, k, 'an object', v);
  }
  if (o.optim !== undefined) {
    for (const k of Object.keys(o.optim as object)) {
      if (!(OPTIM_KEYS as readonly string[]).includes(k))
        throw new ConfigError(`${source}: unknown key "optim.${k}"; known: ${OPTIM_KEYS.join(', ')}`, {
          field: `optim.${k}`,
        });
    }
  }
}

/** Checks every training field of a recipe (not the net shape); throws ConfigError naming it. */
export function checkRecipe(source: string, r: Recipe): void {
  if (typeof r.tokenizer !== 'string' || r.tokenizer === '')
    fail(source, 'tokenizer', '"bytes" or a tokenizer.json path', r.tokenizer);
  int(source, 'batchSize', r.batchSize, 1);
  int(source, 'blockSize', r.blockSize, 2);
  int(source, 'gradAccum', r.gradAccum, 1);
  int(source, 'maxSteps', r.maxSteps, 1);
  real(source, 'lr', r.lr, 0, 10);
  real(source, 'minLr', r.minLr, 0, 10);
  int(source, 'warmupSteps', r.warmupSteps, 0);
  int(source, 'evalEvery', r.evalEvery, 0);
  int(source, 'evalBatches', r.evalBatches, 1);
  int(source, 'saveEvery', r.saveEvery, 0);
  real(source, 'valFraction', r.valFraction, 0, 1, true);
  if (r.valFraction === 0) fail(source, 'valFraction', 'a number in (0, 1)', r.valFraction);
  const o = r.optim;
  real(source, 'optim.beta1', o.beta1, 0, 1, true);
  real(source, 'optim.beta2', o.beta2, 0, 1, true);
  real(source, 'optim.eps', o.eps, 0, 1);
  if (o.eps === 0) fail(source, 'optim.eps', 'a number in (0, 1]', o.eps);
  real(source, 'optim.weightDecay', o.weightDecay, 0, 10);
  real(source, 'optim.gradClip', o.gradClip, 0, 1e6);
  if (o.decayRule !== undefined && o.decayRule !== 'spec' && o.decayRule !== 'ndim')
    fail(source, 'optim.decayRule', '"spec" or "ndim"', o.decayRule);
}
