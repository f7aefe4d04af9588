// The sampling chain in llama.cpp's default order (common/sampling.cpp at c392e50):
// logit bias → penalties (repeat / frequency / presence over the last N) → top-k → typical-p →
// top-p → min-p → temperature → seeded random draw (or greedy when temperature ≤ 0).
// An optional constraint (grammar mask) runs first.
import { UsageError } from '../../errors.js';
import { Candidates } from './candidates.js';
import { DistSampler } from './dist.js';
import { GreedySampler } from './greedy.js';
import { LogitBiasSampler } from './logit-bias.js';
import { MinPSampler } from './min-p.js';
import { PenaltiesSampler } from './penalties.js';
import { randomSeed } from './rng.js';
import type { Sampler } from './sampler.js';
import { TemperatureSampler } from './temperature.js';
import { TopKSampler } from './top-k.js';
import { TopPSampler } from './top-p.js';
import { TypicalSampler } from './typical.js';

export interface SamplingOptions {
  /** Default 0.8; ≤ 0 means greedy (ties → lower id). */
  temperature?: number;
  /** Default 40; ≤ 0 disables. */
  topK?: number;
  /** Default 0.95; 1 disables. */
  topP?: number;
  /** Default 0.05; 0 disables. */
  minP?: number;
  /** Default 1 (disabled). */
  typicalP?: number;
  /** Default 1 (disabled). */
  repeatPenalty?: number;
  /** Window of the penalties in tokens. Default 64; 0 disables; -1 = the context size. */
  repeatLastN?: number;
  /** Default 0. */
  presencePenalty?: number;
  /** Default 0. */
  frequencyPenalty?: number;
  /** Token id → bias added to its logit (-Infinity bans it). */
  logitBias?: ReadonlyMap<number, number> | Readonly<Record<number, number>>;
  /** Seed of the random draw (default: random). Same seed → same tokens. */
  seed?: number;
  /** Least candidates top-p / min-p / typical keep (default 0, as llama.cpp). */
  minKeep?: number;
}

export const SAMPLING_DEFAULTS = {
  temperature: 0.8,
  topK: 40,
  topP: 0.95,
  minP: 0.05,
  typicalP: 1,
  repeatPenalty: 1,
  repeatLastN: 64,
  presencePenalty: 0,
  frequencyPenalty: 0,
  minKeep: 0,
} as const;

function num(
  v: number | undefined,
  dflt: number,
  field: string,
  lo: number,
  hi = Number.POSITIVE_INFINITY,
): number {
  const x = v ?? dflt;
  if (typeof x !== 'number' || Number.isNaN(x) || x < lo || x > hi)
    throw new UsageError(`${field} must be a number in [${lo}, ${hi}], got ${String(v)}`, { field });
  return x;
}

/** Validates and fills defaults (throws UsageError naming the field). */
export function resolveSampling(opts: SamplingOptions = {}, contextLength = 4096) {
  const d = SAMPLING_DEFAULTS;
  const lastN = num(opts.repeatLastN, d.repeatLastN, 'repeatLastN', -1, 1 << 24);
  const seed = opts.seed ?? randomSeed();
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw new UsageError(`seed must be an integer in [0, 4294967295], got ${seed}`, { field: 'seed' });
  return {
    temperature: num(opts.temperature, d.temperature, 'temperature', 0, 1e6),
    topK: Math.trunc(num(opts.topK, d.topK, 'topK', Number.NEGATIVE_INFINITY)),
    topP: num(opts.topP, d.topP, 'topP', 0, 1),
    minP: num(opts.minP, d.minP, 'minP', 0, 1),
    typicalP: num(opts.typicalP, d.typicalP, 'typicalP', 0, 1),
    repeatPenalty: num(opts.repeatPenalty, d.repeatPenalty, 'repeatPenalty', 1e-6, 1e6),
    repeatLastN: lastN === -1 ? contextLength : Math.trunc(lastN),
    presencePenalty: num(opts.presencePenalty, d.presencePenalty, 'presencePenalty', -1e6, 1e6),
    frequencyPenalty: num(opts.frequencyPenalty, d.frequencyPenalty, 'frequencyPenalty', -1e6, 1e6),
    minKeep: Math.trunc(num(opts.minKeep, d.minKeep, 'minKeep', 0, 1 << 24)),
    logitBias: opts.logitBias,
    seed,
  };
}

export class SamplerChain {
  readonly candidates: Candidates;

  constructor(
    readonly samplers: readonly Sampler[],
    readonly vocabSize: number,
    /** The seed the random draw uses (for reporting). */
    readonly seed: number,
  ) {
    this.candidates = new Candidates(vocabSize);
  }

  /** Runs the chain over a logits row and returns the chosen token id (-1 if nothing is left). */
  sample(logits: ArrayLike<number>): number {
    const c = this.candidates;
    c.load(logits, Math.min(logits.length, this.vocabSize));
    for (const s of this.samplers) s.apply(c);
    return c.selected < 0 || c.selected >= c.size ? -1 : c.ids[c.selected]!;
  }

  accept(token: number): void {
    for (const s of this.samplers) s.accept?.(token);
  }

  /** Shows a prompt token to the samplers that watch the context (penalties), not to constraints. */
  acceptPrompt(token: number): void {
    for (const s of this.samplers) if (s.observesPrompt) s.accept?.(token);
  }

  reset(): void {
    for (const s of this.samplers) s.reset?.();
  }
}

/** Builds llama.cpp's default chain. `constraint` (e.g. a grammar mask) runs first. */
export function createSamplerChain(
  vocabSize: number,
  opts: SamplingOptions = {},
  extra: { contextLength?: number; constraint?: Sampler } = {},
): SamplerChain {
  const o = resolveSampling(opts, extra.contextLength);
  const list: Sampler[] = [];
  if (extra.constraint) list.push(extra.constraint);
  if (o.logitBias) list.push(new LogitBiasSampler(o.logitBias));
  list.push(
    new PenaltiesSampler(vocabSize, o.repeatLastN, o.repeatPenalty, o.frequencyPenalty, o.presencePenalty),
  );
  if (o.temperature <= 0) {
    list.push(new GreedySampler());
  } else {
    list.push(new TopKSampler(o.topK));
    list.push(new TypicalSampler(o.typicalP, o.minKeep));
    list.push(new TopPSampler(o.topP, o.minKeep));
    list.push(new MinPSampler(o.minP, o.minKeep));
    list.push(new TemperatureSampler(o.temperature));
    list.push(new DistSampler(o.seed));
  }
  return new SamplerChain(list, vocabSize, o.seed);
}
