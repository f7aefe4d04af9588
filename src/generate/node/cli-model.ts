// Node-only helpers shared by the `generate`, `chat` and `eval` commands: resolve the model path
// (or the bundled default), create the backend, load the model, and parse numeric flags into
// one-line UsageErrors.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend } from '../../backend/backend.js';
import { createBackend } from '../../backend/create.js';
import { UsageError } from '../../errors.js';
import type { CausalLM } from '../../models/causal-lm.js';
import { loadModel } from '../../models/loader.js';

/** The package root (works from src/ via tsx and from dist/). */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const HOW = 'pass a model with -m MODEL (a .gguf file, a Hugging Face model directory or a llama2.c .bin)';

/** The model path from -m, else the bundled models/default/, else a UsageError (exit 2). */
export function resolveModelPath(flag: string | undefined): string {
  if (flag !== undefined) {
    if (!existsSync(flag)) throw new UsageError(`model not found: ${flag}`, { field: 'model', file: flag });
    return flag;
  }
  const dir = join(PACKAGE_ROOT, 'models', 'default');
  if (existsSync(dir) && statSync(dir).isDirectory()) {
    const gguf = readdirSync(dir).filter((f) => f.endsWith('.gguf'));
    return gguf.length > 0 ? join(dir, gguf.sort()[0]!) : dir;
  }
  throw new UsageError(`no model given: ${HOW}`, { field: 'model' });
}

export interface LoadedModel {
  model: CausalLM;
  backend: Backend;
  dispose(): void;
}

export async function openModel(
  path: string,
  opts: { threads?: number; backend?: string; sharedBackend?: Backend },
): Promise<LoadedModel> {
  const kind = opts.backend ?? 'auto';
  if (kind !== 'auto' && kind !== 'wasm' && kind !== 'js')
    throw new UsageError(`--backend must be auto, wasm or js, got ${kind}`, { field: 'backend' });
  const backend = opts.sharedBackend ?? (await createBackend({ kind, threads: opts.threads }));
  try {
    const model = await loadModel(path, { backend });
    return {
      model,
      backend,
      dispose() {
        model.dispose();
        if (!opts.sharedBackend) backend.dispose();
      },
    };
  } catch (e) {
    if (!opts.sharedBackend) backend.dispose();
    throw e;
  }
}

/** Parses a numeric flag value; throws a UsageError naming the flag. */
export function parseNumber(
  flag: string,
  value: string | undefined,
  o: { int?: boolean; min?: number; max?: number } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x) || (o.int && !Number.isInteger(x)))
    throw new UsageError(`${flag} expects ${o.int ? 'an integer' : 'a number'}, got "${value}"`, {
      field: flag,
    });
  if ((o.min !== undefined && x < o.min) || (o.max !== undefined && x > o.max))
    throw new UsageError(`${flag} must be in [${o.min ?? '-inf'}, ${o.max ?? 'inf'}], got ${value}`, {
      field: flag,
    });
  return x;
}

/** Parses `--prompt-tokens 1,2,3`. */
export function parseTokenList(value: string, vocabSize: number): number[] {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.length === 0 || parts.some((p) => !/^\d+$/.test(p)))
    throw new UsageError(`--prompt-tokens expects comma-separated token ids, got "${value}"`, {
      field: '--prompt-tokens',
    });
  const ids = parts.map(Number);
  for (const id of ids)
    if (id >= vocabSize)
      throw new UsageError(`--prompt-tokens: id ${id} is outside the vocabulary (${vocabSize})`, {
        field: '--prompt-tokens',
      });
  return ids;
}

/** Sampling flags shared by generate and chat (commander option values). */
export interface SamplingFlags {
  temp?: string;
  topK?: string;
  topP?: string;
  minP?: string;
  typicalP?: string;
  repeatPenalty?: string;
  repeatLastN?: string;
  presencePenalty?: string;
  frequencyPenalty?: string;
  seed?: string;
}

export function samplingFromFlags(f: SamplingFlags) {
  return {
    temperature: parseNumber('--temp', f.temp, { min: 0 }),
    topK: parseNumber('--top-k', f.topK, { int: true }),
    topP: parseNumber('--top-p', f.topP, { min: 0, max: 1 }),
    minP: parseNumber('--min-p', f.minP, { min: 0, max: 1 }),
    typicalP: parseNumber('--typical-p', f.typicalP, { min: 0, max: 1 }),
    repeatPenalty: parseNumber('--repeat-penalty', f.repeatPenalty, { min: 0.000001 }),
    repeatLastN: parseNumber('--repeat-last-n', f.repeatLastN, { int: true, min: -1 }),
    presencePenalty: parseNumber('--presence-penalty', f.presencePenalty),
    frequencyPenalty: parseNumber('--frequency-penalty', f.frequencyPenalty),
    seed: parseNumber('--seed', f.seed, { int: true, min: 0, max: 0xffffffff }),
  };
}

/** Adds the sampling flags to a commander command. */
export function addSamplingOptions<T extends { option(flags: string, description: string): T }>(cmd: T): T {
  return cmd
    .option('--temp <t>', 'temperature (default 0.8; 0 = greedy)')
    .option('--top-k <k>', 'top-k (default 40; 0 = off)')
    .option('--top-p <p>', 'top-p (default 0.95)')
    .option('--min-p <p>', 'min-p (default 0.05)')
    .option('--typical-p <p>', 'locally typical p (default 1 = off)')
    .option('--repeat-penalty <x>', 'repetition penalty (default 1 = off)')
    .option('--repeat-last-n <n>', 'tokens the penalties look back (default 64; -1 = context)')
    .option('--presence-penalty <x>', 'presence penalty (default 0)')
    .option('--frequency-penalty <x>', 'frequency penalty (default 0)')
    .option('--seed <n>', 'random seed (default: random)');
}
