// `llmts bench model -m FILE [-m FILE2] [--p 512] [--n 128] [--reps 3] [--peer]`, like llama-bench:
// prefill tokens/s for a P-token prompt, decode tokens/s for N tokens, load time, time to first
// token (start of loading → first token of a 16-token prompt: what a user waits for) and RSS (before
// loading, at the end of the load, and the peak of the run) — for llmts and, with --peer, for
// node-llama-cpp (prebuilt llama.cpp) on the same files in the same run. Each (engine, model) runs
// in its own child process (model-child.ts, which imports only the engine) so RSS is its own.
// node-llama-cpp is a dependency of the benchmark only: `npm --prefix bench/peers install`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.js';
import { type Measure, TTFT_PROMPT } from './model-run.js';
import type { Benchmark, BenchOptions, BenchResult } from './registry.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PEERS = join(ROOT, 'bench', 'peers', 'node_modules', 'node-llama-cpp');

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
    const models = [...flagList(o.flags.m), ...flagList(o.flags.model), ...o.args];
    if (models.length === 0)
      throw new UsageError('bench model needs -m FILE (or --m FILE,FILE2)', { field: 'm' });
    const engines = o.flags.peer === true ? ['llmts', 'peer'] : ['llmts'];
    if (engines.includes('peer') && !existsSync(PEERS)) {
      throw new UsageError('node-llama-cpp is not installed: run `npm --prefix bench/peers install` first', {
        field: 'peer',
      });
    }
    for (const model of models) {
      for (const engine of engines) {
        const r = spawnSync(
          process.execPath,
          [
            join(ROOT, 'dist', 'bench', 'model-child.js'),
            engine,
            model,
            String(p),
            String(n),
            String(reps),
            String(threads),
            PEERS,
          ],
          { encoding: 'utf8', maxBuffer: 1 << 24 },
        );
        const line = r.stdout.trim().split('\n').pop() ?? '';
        if (r.status !== 0 || !line.startsWith('{')) {
          process.stderr.write(`bench model: ${engine} on ${model} failed:\n${r.stderr}\n`);
          continue;
        }
        const m = JSON.parse(line) as Measure;
        if (o.json) {
          for (const [key, unit] of [
            ['prefill_tps', 'tok/s'],
            ['decode_tps', 'tok/s'],
            ['load_s', 's'],
            ['ttft_ms', 'ms'],
            ['base_rss_mb', 'MiB'],
            ['load_rss_mb', 'MiB'],
            ['peak_rss_mb', 'MiB'],
            ['file_mb', 'MiB'],
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
          const ratio = (x: number) => (m.file_mb > 0 ? ` (${(x / m.file_mb).toFixed(2)}x file)` : '');
          console.log(
            `${m.engine.padEnd(15)} ${model.split('/').pop()!.padEnd(28)} t=${threads} pp${p} ${m.prefill_tps.toFixed(1).padStart(8)} tok/s  ` +
              `tg${n} ${m.decode_tps.toFixed(1).padStart(8)} tok/s  load ${m.load_s.toFixed(2)} s  ` +
              `TTFT(${TTFT_PROMPT} tok) ${m.ttft_ms.toFixed(0)} ms\n` +
              `${''.padEnd(15)} file ${m.file_mb.toFixed(0)} MiB  RSS: base ${m.base_rss_mb.toFixed(0)} MiB, ` +
              `after load ${m.load_rss_mb.toFixed(0)} MiB${ratio(m.load_rss_mb)}, peak ${m.peak_rss_mb.toFixed(0)} MiB${ratio(m.peak_rss_mb)}`,
          );
        }
      }
    }
  },
};
