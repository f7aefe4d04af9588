// `llmts bench model -m FILE [-m FILE2] [--p 512] [--n 128] [--reps 3] [--peer]`, like llama-bench:
// prefill tokens/s for a P-token prompt, decode tokens/s for N tokens, load time and peak RSS —
// for llmts and, with --peer, for node-llama-cpp (prebuilt llama.cpp) on the same files in the
// same run. Each (engine, model) runs in its own child process so peak RSS is its own.
// node-llama-cpp is a dependency of the benchmark only: `npm --prefix bench/peers install`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createBackend } from '../backend/create.js';
import { UsageError } from '../errors.js';
import { loadModel } from '../models/loader.js';
import type { Benchmark, BenchOptions, BenchResult } from './registry.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PEERS = join(ROOT, 'bench', 'peers', 'node_modules', 'node-llama-cpp');

interface Measure {
  engine: string;
  model: string;
  threads: number;
  load_s: number;
  prefill_tps: number;
  decode_tps: number;
  ttft_s: number;
  peak_rss_mb: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function promptTokens(p: number, vocab: number): number[] {
  // Deterministic pseudo-random ids away from special tokens.
  const out: number[] = [];
  let x = 12345;
  for (let i = 0; i < p; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out.push(3 + (x % Math.max(1, Math.min(vocab, 30000) - 3)));
  }
  return out;
}

async function runLlmts(path: string, p: number, n: number, reps: number, threads: number): Promise<Measure> {
  const t0 = performance.now();
  const backend = await createBackend({ threads });
  const model = await loadModel(path, { backend });
  const load = (performance.now() - t0) / 1000;
  const ids = promptTokens(p, model.info.vocabSize);
  const pre: number[] = [];
  const dec: number[] = [];
  let ttft = 0;
  for (let r = 0; r < reps + 1; r++) {
    const s = model.newSession({ contextLength: p + n + 8, maxBatch: p });
    const a = performance.now();
    let logits = s.forward(ids, 'last');
    const b = performance.now();
    let tok = 3;
    for (let i = 0; i < n; i++) {
      tok = 3 + ((tok * 31 + (logits[7] ?? 0) > 0 ? 1 : 0) % 1000);
      logits = s.forward([tok], 'last');
    }
    const c = performance.now();
    s.dispose();
    if (r === 0) continue; // warm-up
    pre.push((p * 1000) / (b - a));
    dec.push((n * 1000) / (c - b));
    ttft = (b - a) / 1000;
  }
  model.dispose();
  backend.dispose();
  return {
    engine: 'llmts',
    model: path,
    threads,
    load_s: load,
    prefill_tps: median(pre),
    decode_tps: median(dec),
    ttft_s: ttft,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
  };
}

interface NlcSequence {
  evaluateWithoutGeneratingNewTokens(tokens: number[]): Promise<void>;
  evaluate(tokens: number[], opts: { temperature: number }): AsyncGenerator<number>;
}

async function runPeer(path: string, p: number, n: number, reps: number, threads: number): Promise<Measure> {
  const mod = (await import(pathToFileURL(join(PEERS, 'dist', 'index.js')).href)) as {
    getLlama(o: object): Promise<{
      loadModel(o: object): Promise<{
        createContext(o: object): Promise<{ getSequence(): NlcSequence; dispose(): Promise<void> }>;
        dispose(): Promise<void>;
      }>;
    }>;
  };
  const t0 = performance.now();
  const llama = await mod.getLlama({ gpu: false, build: 'never' });
  const model = await llama.loadModel({ modelPath: path, gpuLayers: 0 });
  const load = (performance.now() - t0) / 1000;
  const ids = promptTokens(p, 30000);
  const pre: number[] = [];
  const dec: number[] = [];
  let ttft = 0;
  for (let r = 0; r < reps + 1; r++) {
    const ctx = await model.createContext({
      contextSize: p + n + 16,
      batchSize: p,
      threads,
      flashAttention: false,
    });
    const seq = ctx.getSequence();
    const a = performance.now();
    await seq.evaluateWithoutGeneratingNewTokens(ids);
    const b = performance.now();
    let k = 0;
    for await (const _ of seq.evaluate([ids[ids.length - 1]!], { temperature: 0 })) {
      if (++k >= n) break;
    }
    const c = performance.now();
    await ctx.dispose();
    if (r === 0) continue;
    pre.push((p * 1000) / (b - a));
    dec.push((n * 1000) / (c - b));
    ttft = (b - a) / 1000;
  }
  await model.dispose();
  return {
    engine: 'node-llama-cpp',
    model: path,
    threads,
    load_s: load,
    prefill_tps: median(pre),
    decode_tps: median(dec),
    ttft_s: ttft,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
  };
}

function flagList(v: string | boolean | undefined): string[] {
  return typeof v === 'string' ? v.split(',').filter((x) => x.length > 0) : [];
}

function int(flags: BenchOptions['flags'], key: string, def: number): number {
  const v = flags[key];
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--${key} must be a positive integer`, { field: key });
  return n;
}

export const modelBenchmark: Benchmark = {
  name: 'model',
  description:
    'prefill / decode tokens/s, load time, peak RSS (llama-bench style), --peer for node-llama-cpp',
  async run(o: BenchOptions): Promise<void> {
    const p = int(o.flags, 'p', 512);
    const n = int(o.flags, 'n', 128);
    const reps = int(o.flags, 'reps', 3);
    const threads = o.threads ?? availableParallelism();
    const single = o.flags.single;
    if (typeof single === 'string') {
      // Child mode: one engine on one model, one JSON line on stdout.
      const m = await (single === 'peer' ? runPeer : runLlmts)(String(o.flags.m), p, n, reps, threads);
      process.stdout.write(`${JSON.stringify(m)}\n`);
      return;
    }
    const models = [...flagList(o.flags.m), ...flagList(o.flags.model), ...o.args];
    if (models.length === 0)
      throw new UsageError('bench model needs -m FILE (or --m FILE,FILE2)', { field: 'm' });
    const engines = o.flags.peer === true ? ['llmts', 'peer'] : ['llmts'];
    if (engines.includes('peer') && !existsSync(PEERS)) {
      throw new UsageError('node-llama-cpp is not installed: run `npm --prefix bench/peers install` first', {
        field: 'peer',
      });
    }
    const rows: Measure[] = [];
    for (const model of models) {
      for (const engine of engines) {
        const r = spawnSync(
          process.execPath,
          [
            join(ROOT, 'dist', 'cli', 'bin.js'),
            'bench',
            'model',
            '--single',
            engine,
            '--m',
            model,
            '--p',
            String(p),
            '--n',
            String(n),
            '--reps',
            String(reps),
            '--threads',
            String(threads),
          ],
          { encoding: 'utf8', maxBuffer: 1 << 24 },
        );
        const line = r.stdout.trim().split('\n').pop() ?? '';
        if (r.status !== 0 || !line.startsWith('{')) {
          process.stderr.write(`bench model: ${engine} on ${model} failed:\n${r.stderr}\n`);
          continue;
        }
        const m = JSON.parse(line) as Measure;
        rows.push(m);
        if (o.json) {
          for (const [key, unit] of [
            ['prefill_tps', 'tok/s'],
            ['decode_tps', 'tok/s'],
            ['load_s', 's'],
            ['ttft_s', 's'],
            ['peak_rss_mb', 'MiB'],
          ] as const) {
            const res: BenchResult = {
              name: `${m.engine}.${key}`,
              shape: `${model} p${p} n${n}`,
              threads,
              value: m[key],
              unit,
            };
            console.log(JSON.stringify(res));
          }
        } else {
          console.log(
            `${m.engine.padEnd(15)} ${model.split('/').pop()!.padEnd(28)} t=${threads} pp${p} ${m.prefill_tps.toFixed(1).padStart(8)} tok/s  ` +
              `tg${n} ${m.decode_tps.toFixed(1).padStart(8)} tok/s  load ${m.load_s.toFixed(2)} s  ` +
              `TTFT ${m.ttft_s.toFixed(2)} s  RSS ${m.peak_rss_mb.toFixed(0)} MiB`,
          );
        }
      }
    }
  },
};
