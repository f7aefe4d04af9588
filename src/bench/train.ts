// `llmts bench train`: training throughput (tokens/s, ms/step) and the share of step time spent
// in matmuls, for nanoGPT's Shakespeare-char CPU recipe, the bundled model's LLaMA recipe and
// GPT-2-small shapes, next to llm.c's CPU trainer measured on this machine class
// (../shared/PERFORMANCE.md).
import type { Backend } from '../backend/backend.js';
import { createBackend } from '../backend/create.js';
import { ADAMW_DEFAULTS } from '../train/adamw.js';
import type { NetConfig } from '../train/nets/index.js';
import { PRESETS } from '../train/presets.js';
import { Trainer } from '../train/trainer.js';
import type { Benchmark, BenchOptions, BenchResult } from './registry.js';

interface Case {
  name: string;
  net: NetConfig;
  batch: number;
  t: number;
  /** llm.c CPU trainer, 2 threads, ms/step (../shared/PERFORMANCE.md), when it has a twin. */
  llmcMs?: number;
}

/** A preset's net and batch shape, byte-level (257 tokens) as the preset trains it. */
function presetCase(name: string, preset: string): Case {
  const r = PRESETS[preset]!;
  return { name, net: { ...r.net, vocabSize: 257 } as NetConfig, batch: r.batchSize, t: r.blockSize };
}

const CASES: Case[] = [
  presetCase('nanogpt-shakespeare-char (a)', 'nanogpt-shakespeare-char'),
  // the bundled model's recipe: GQA, RoPE, RMSNorm, SwiGLU, tied head
  presetCase('default-llama', 'default-llama'),
  {
    name: '4L 128w GPT-2 vocab',
    net: {
      arch: 'gpt2',
      vocabSize: 50257,
      dim: 128,
      nLayer: 4,
      nHead: 4,
      ffnDim: 512,
      contextLength: 64,
      normEps: 1e-5,
    },
    batch: 12,
    t: 64,
    llmcMs: 1086,
  },
  {
    name: 'gpt2-124m (b)',
    net: {
      arch: 'gpt2',
      vocabSize: 50257,
      dim: 768,
      nLayer: 12,
      nHead: 12,
      ffnDim: 3072,
      contextLength: 1024,
      normEps: 1e-5,
    },
    batch: 4,
    t: 64,
    llmcMs: 4940,
  },
];

/** Wraps a backend so the time spent in each primitive is accumulated. */
function timed(be: Backend, acc: Map<string, number>): Backend {
  return new Proxy(be, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      const fn = v as (...a: unknown[]) => unknown;
      return (...args: unknown[]) => {
        const t0 = performance.now();
        const r = fn.apply(target, args);
        acc.set(String(prop), (acc.get(String(prop)) ?? 0) + performance.now() - t0);
        return r;
      };
    },
  });
}

/** Per-primitive time per step, largest first, and what no primitive accounts for (--ops). */
function printOps(acc: Map<string, number>, total: number, steps: number): void {
  let inOps = 0;
  for (const [op, t] of [...acc].sort((a, b) => b[1] - a[1])) {
    inOps += t;
    if (t / total < 0.002) continue;
    console.log(
      `    ${op.padEnd(26)} ${(t / steps).toFixed(2).padStart(8)} ms/step ${((t / total) * 100).toFixed(1).padStart(5)}%`,
    );
  }
  const rest = total - inOps;
  console.log(
    `    ${'(outside the backend)'.padEnd(26)} ${(rest / steps).toFixed(2).padStart(8)} ms/step ${((rest / total) * 100).toFixed(1).padStart(5)}%`,
  );
}

export const trainBenchmark: Benchmark = {
  name: 'train',
  description: 'training tokens/s, ms/step and matmul share (nanoGPT char recipe, GPT-2 124M) vs llm.c',
  async run(o: BenchOptions): Promise<void> {
    const steps = Number(o.flags.steps ?? 5);
    const only = typeof o.flags.case === 'string' ? o.flags.case : undefined;
    const base = await createBackend(o.threads === undefined ? {} : { threads: o.threads });
    const threads = base.threads;
    try {
      for (const c of CASES) {
        if (only !== undefined && !c.name.includes(only)) continue;
        const acc = new Map<string, number>();
        const be = timed(base, acc);
        const n = c.batch * c.t * 64;
        const data = new Uint16Array(n).map((_, i) => (i * 7919) % c.net.vocabSize);
        const tr = new Trainer(
          be,
          {
            net: c.net,
            batchSize: c.batch,
            blockSize: c.t,
            gradAccum: 1,
            maxSteps: 1000,
            schedule: { lr: 1e-3, minLr: 1e-4, warmupSteps: 1, decaySteps: 1000 },
            optim: ADAMW_DEFAULTS,
            evalEvery: 0,
            evalBatches: 1,
            seed: 1,
            maxBadSteps: 3,
          },
          data,
          data.subarray(0, c.batch * c.t * 4),
        );
        tr.trainStep(); // warm-up (arena allocation, JIT)
        acc.clear();
        const times: number[] = [];
        for (let i = 0; i < steps; i++) times.push(tr.trainStep().ms);
        tr.dispose();
        times.sort((a, b) => a - b);
        const ms = times[Math.floor(times.length / 2)]!;
        const total = times.reduce((a, b) => a + b, 0);
        const share = (acc.get('matmul') ?? 0) / total;
        const tps = (c.batch * c.t * 1000) / ms;
        const rows: BenchResult[] = [
          { name: 'train.ms_per_step', shape: c.name, threads, value: ms, unit: 'ms' },
          { name: 'train.tokens_per_s', shape: c.name, threads, value: tps, unit: 'tok/s' },
          { name: 'train.matmul_share', shape: c.name, threads, value: share, unit: 'fraction' },
        ];
        if (c.llmcMs !== undefined)
          rows.push({
            name: 'train.speedup_vs_llmc',
            shape: c.name,
            threads,
            value: c.llmcMs / ms,
            unit: 'x',
          });
        if (o.json) for (const r of rows) console.log(JSON.stringify(r));
        else {
          const vs =
            c.llmcMs === undefined ? '' : `  llm.c ${c.llmcMs} ms/step → ${(c.llmcMs / ms).toFixed(2)}×`;
          console.log(
            `${c.name.padEnd(30)} t=${threads} ${ms.toFixed(1).padStart(8)} ms/step ${tps.toFixed(0).padStart(7)} tok/s  matmul ${(share * 100).toFixed(0)}%${vs}`,
          );
          if (o.flags.ops === true) printOps(acc, total, steps);
        }
      }
    } finally {
      base.dispose();
    }
  },
};
