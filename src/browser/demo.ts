// A tiny training run for web pages (and the proof that autograd + AdamW run there): a 2-layer
// LLaMA-architecture net learns a short repeating token pattern with the Trainer on any backend.
import type { Backend } from '../backend/backend.js';
import { UsageError } from '../errors.js';
import { ADAMW_DEFAULTS } from '../train/adamw.js';
import { type TrainConfig, Trainer } from '../train/trainer.js';

export interface TrainDemoOptions {
  backend: Backend;
  /** Optimiser steps (default 3, at most 1000). */
  steps?: number;
  /** Seed of initialisation and batch sampling (default 42). */
  seed?: number;
  /** Called after each step with its number (0-based) and loss. */
  onStep?: (step: number, loss: number) => void;
}

export interface TrainDemoResult {
  /** Training loss of each step. */
  losses: number[];
  config: TrainConfig;
  /** Wall time in milliseconds. */
  ms: number;
}

/** The demo's data: a repeating 24-token pattern over a 32-token vocabulary. */
export function demoTokens(n = 512): Uint16Array {
  const pattern = [3, 1, 4, 1, 5, 9, 2, 6];
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++) out[i] = pattern[i % pattern.length]! + 8 * (Math.floor(i / 8) % 3);
  return out;
}

/** The demo's run configuration (a net of ~12k parameters). */
export function demoConfig(steps: number, seed: number): TrainConfig {
  return {
    net: {
      arch: 'llama',
      vocabSize: 32,
      dim: 16,
      nLayer: 2,
      nHead: 2,
      nKvHead: 1,
      ffnDim: 32,
      contextLength: 16,
      ropeTheta: 10000,
      normEps: 1e-5,
      tiedEmbeddings: false,
    },
    batchSize: 4,
    blockSize: 8,
    gradAccum: 1,
    maxSteps: steps,
    schedule: { lr: 1e-2, minLr: 1e-3, warmupSteps: 0, decaySteps: Math.max(steps, 1) },
    optim: { ...ADAMW_DEFAULTS },
    evalEvery: 0,
    evalBatches: 1,
    seed,
    maxBadSteps: 3,
  };
}

/** Trains the demo net for `steps` steps and returns the losses. */
export function trainDemo(opts: TrainDemoOptions): TrainDemoResult {
  const steps = opts.steps ?? 3;
  const seed = opts.seed ?? 42;
  if (!Number.isInteger(steps) || steps < 1 || steps > 1000)
    throw new UsageError(`steps must be an integer in [1, 1000], got ${steps}`, { field: 'steps' });
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw new UsageError(`seed must be an integer in [0, 4294967295], got ${seed}`, { field: 'seed' });
  const config = demoConfig(steps, seed);
  const data = demoTokens();
  const t0 = performance.now();
  const trainer = new Trainer(opts.backend, config, data.subarray(0, 448), data.subarray(448));
  try {
    const losses: number[] = [];
    for (let i = 0; i < steps; i++) {
      const log = trainer.trainStep();
      losses.push(log.loss);
      opts.onStep?.(i, log.loss);
    }
    return { losses, config, ms: performance.now() - t0 };
  } finally {
    trainer.dispose();
  }
}
