// `llmts bench server`: 1, 4 and 16 concurrent streaming clients on loopback, each for a fixed
// time, against a stories15m-shaped random model (made with `llmts init`'s initModel). Reports
// generated tokens/s over all clients, TTFT and TPOT p50/p99 as the clients see them, and errors.
// Clients run in the server's process (loopback fetch); each token arrives as its own SSE chunk
// (`logprobs: 0` makes every token emit a chunk even when its text is held back).
// Flags: --seconds S per level (default 10), --levels 1,4,16, --max-tokens N (default 64),
// --dtype f32|q8_0|q4_0 (default f32), --threads N.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackend } from '../backend/create.js';
import { UsageError } from '../errors.js';
import { initModel } from '../jobs/init-node.js';
import { loadModel } from '../models/loader.js';
import { LlmServer } from '../server/app.js';
import type { Benchmark, BenchOptions, BenchResult } from './registry.js';

interface Sample {
  ttft: number;
  tpot: number | undefined;
  tokens: number;
}

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** One streaming request; resolves with its client-side timings. */
async function oneRequest(url: string, prompt: number[], maxTokens: number): Promise<Sample> {
  const t0 = performance.now();
  const r = await fetch(`${url}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'bench',
      prompt,
      max_tokens: maxTokens,
      temperature: 0.8,
      seed: 1,
      stream: true,
      logprobs: 0,
    }),
  });
  if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
  const reader = r.body!.getReader();
  const dec = new TextDecoder();
  let buf = '';
  let first = 0;
  let last = 0;
  let tokens = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let at = buf.indexOf('\n\n');
    while (at >= 0) {
      const ev = buf.slice(0, at);
      buf = buf.slice(at + 2);
      at = buf.indexOf('\n\n');
      if (!ev.startsWith('data: {')) continue;
      const j = JSON.parse(ev.slice(6)) as {
        error?: unknown;
        choices?: { logprobs: { tokens: string[] } | null }[];
      };
      if (j.error) throw new Error('in-band error');
      const n = j.choices?.[0]?.logprobs?.tokens.length ?? 0;
      if (n === 0) continue;
      const now = performance.now();
      if (tokens === 0) first = now;
      last = now;
      tokens += n;
    }
  }
  return {
    ttft: (first - t0) / 1000,
    tpot: tokens > 1 ? (last - first) / 1000 / (tokens - 1) : undefined,
    tokens,
  };
}

async function level(url: string, clients: number, seconds: number, maxTokens: number, vocab: number) {
  const samples: Sample[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  let seed = clients * 7919;
  const prompt = (): number[] =>
    Array.from({ length: 32 }, () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return 3 + (seed % (vocab - 3));
    });
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        try {
          samples.push(await oneRequest(url, prompt(), maxTokens));
        } catch {
          errors++;
        }
      }
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  const tokens = samples.reduce((s, x) => s + x.tokens, 0);
  const tpots = samples.flatMap((s) => (s.tpot === undefined ? [] : [s.tpot]));
  return {
    clients,
    requests: samples.length,
    errors,
    tokensPerSecond: tokens / wall,
    ttftP50: pct(
      samples.map((s) => s.ttft),
      50,
    ),
    ttftP99: pct(
      samples.map((s) => s.ttft),
      99,
    ),
    tpotP50: pct(tpots, 50),
    tpotP99: pct(tpots, 99),
  };
}

async function run(o: BenchOptions): Promise<void> {
  const seconds = Number(o.flags.seconds ?? 10);
  const maxTokens = Number(o.flags['max-tokens'] ?? 64);
  const levels = String(o.flags.levels ?? '1,4,16')
    .split(',')
    .map(Number);
  if (!(seconds > 0 && seconds <= 600))
    throw new UsageError('--seconds must be in (0, 600]', { field: 'seconds' });
  if (!Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > 200)
    throw new UsageError('--max-tokens must be an integer in [1, 200]', { field: 'max-tokens' });
  if (levels.some((c) => !Number.isInteger(c) || c < 1 || c > 256))
    throw new UsageError('--levels must be integers in [1, 256]', { field: 'levels' });
  const dtype = String(o.flags.dtype ?? 'f32');
  const dir = mkdtempSync(join(tmpdir(), 'llmts-bench-server-'));
  const file = join(dir, 'stories15m.gguf');
  const backend = await createBackend(o.threads === undefined ? {} : { threads: o.threads });
  const server = new LlmServer({ parallel: Math.max(...levels), queue: 256 });
  try {
    initModel({ arch: 'llama', preset: 'stories15m', dtype, seed: 0, out: file, force: true });
    const model = await loadModel(file, { backend });
    server.addModel({ id: 'bench', model });
    server.setReady();
    const url = await server.listen(0, '127.0.0.1');
    await oneRequest(url, [1, 2, 3], 4); // warm-up
    const results: BenchResult[] = [];
    if (!o.json)
      console.log(
        `stories15m-shaped random model (${dtype}), ${backend.name} backend, ${backend.threads} threads, ${seconds} s per level, max_tokens ${maxTokens}, prompt 32 tokens\n` +
          'clients  requests  errors  tokens/s  TTFT p50  TTFT p99  TPOT p50  TPOT p99',
      );
    for (const c of levels) {
      const r = await level(url, c, seconds, maxTokens, model.info.vocabSize);
      const ms = (x: number) => (x * 1000).toFixed(1).padStart(7);
      if (!o.json)
        console.log(
          `${String(c).padStart(7)}  ${String(r.requests).padStart(8)}  ${String(r.errors).padStart(6)}  ${r.tokensPerSecond.toFixed(1).padStart(8)}  ${ms(r.ttftP50)}ms ${ms(r.ttftP99)}ms ${ms(r.tpotP50)}ms ${ms(r.tpotP99)}ms`,
        );
      results.push({
        name: 'server',
        shape: `stories15m ${dtype} clients=${c}`,
        threads: backend.threads,
        value: r.tokensPerSecond,
        unit: 'tokens/s',
        requests: r.requests,
        errors: r.errors,
        ttft_p50_ms: r.ttftP50 * 1000,
        ttft_p99_ms: r.ttftP99 * 1000,
        tpot_p50_ms: r.tpotP50 * 1000,
        tpot_p99_ms: r.tpotP99 * 1000,
      });
    }
    if (o.json) for (const r of results) console.log(JSON.stringify(r));
    model.dispose();
  } finally {
    await server.close(1000);
    backend.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const serverBenchmark: Benchmark = {
  name: 'server',
  description:
    'HTTP server: 1/4/16 concurrent streaming clients, tokens/s, TTFT, TPOT (stories15m-shaped model)',
  run,
};
