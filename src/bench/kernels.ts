// `llmts bench kernels`: the WASM backend's kernels at 1 thread and at all threads, next to a
// streaming-sum bandwidth probe over 1 GiB run in the same process, so every GB/s figure also
// reads as a fraction of what the memory delivers. GEMM and prefill report GFLOP/s; decode
// linears report GB/s of weights; attention GB/s of KV cache; dispatch the µs of a tiny op.
// A decode linear's fraction of the probe is measured in paired rounds (probe pass, then the
// kernel over as many bytes; median of the per-round ratios), so it does not depend on the
// moment the probe row was taken; other rows divide by the probe row.
// Flags: --threads N (default: all cores), --build simd|relaxed, --quick (smaller probe, fewer reps),
// --only gemm,linear,attention,rows (a subset; the probe always runs).
// On a shared machine wall-clock rates drop with the CPU we get; `per_cpu_s` (work per CPU-second
// of all our threads) and `cpu_share` say how much of that is contention.

import { Rng } from '../backend/conformance/random.js';
import { randomWeight } from '../backend/conformance/weights.js';
import type { WasmBackend } from '../backend/wasm/backend.js';
import { asWasm } from '../backend/wasm/buf.js';
import { createWasmBackend, defaultThreads } from '../backend/wasm/setup-node.js';
import { UsageError } from '../errors.js';
import { GgmlType, typeName } from '../tensor/dtype.js';
import type { Benchmark, BenchOptions, BenchResult } from './registry.js';

interface Timing {
  best: number;
  med: number;
  /** Mean seconds per call of process CPU time (all threads) over the timed calls. */
  cpu: number;
  /** Mean wall seconds per call. */
  wall: number;
}

/** Warm-up calls, then at least `reps` timed calls and at least `minSec` seconds. Seconds. */
function time(fn: () => void, warm: number, reps: number, minSec: number): Timing {
  for (let i = 0; i < warm; i++) fn();
  const t: number[] = [];
  const c0 = process.cpuUsage();
  const start = performance.now();
  while (t.length < reps || (performance.now() - start) / 1000 < minSec) {
    const t0 = performance.now();
    fn();
    t.push((performance.now() - t0) / 1000);
    if (t.length >= 200) break;
  }
  const wall = (performance.now() - start) / 1000 / t.length;
  const cu = process.cpuUsage(c0);
  const cpu = (cu.user + cu.system) / 1e6 / t.length;
  t.sort((a, b) => a - b);
  return { best: t[0]!, med: t[Math.floor(t.length / 2)]!, cpu, wall };
}

/**
 * Fields that stay meaningful on a shared machine: work per CPU-second of all our threads
 * (`per_cpu_s`, in the row's unit, × threads gives the uncontended rate) and the share of the
 * requested cores the process actually got (`cpu_share`).
 */
function contention(work: number, t: Timing, threads: number): { per_cpu_s: number; cpu_share: number } {
  return { per_cpu_s: round(work / t.cpu / 1e9), cpu_share: round(t.cpu / t.wall / threads) };
}

interface Ctx {
  be: WasmBackend;
  threads: number;
  probe: number;
  /** The probe's buffer, kept for the paired decode measurements (see pairedFraction). */
  probeBuf: { p: number; out: number; bytes: number };
  quick: boolean;
  out: BenchResult[];
  emit: (r: BenchResult) => void;
}

function gbps(c: Ctx, name: string, shape: string, bytes: number, t: Timing, fraction?: number): void {
  const value = bytes / t.best / 1e9;
  c.emit({
    name,
    shape,
    threads: c.threads,
    value: round(value),
    unit: 'GB/s',
    fraction_of_probe: round(fraction ?? value / c.probe),
    median: round(bytes / t.med / 1e9),
    ...contention(bytes, t, c.threads),
  });
}

function gflops(c: Ctx, name: string, shape: string, flop: number, t: Timing): void {
  c.emit({
    name,
    shape,
    threads: c.threads,
    value: round(flop / t.best / 1e9),
    unit: 'GFLOP/s',
    median: round(flop / t.med / 1e9),
    ...contention(flop, t, c.threads),
  });
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

const PROBE_UNIT = 1 << 18; // bytes per probe_sum row

/** The probe's buffer: `bytes` of f32 in wasm memory, every page touched. */
function probeBuffer(be: WasmBackend, bytes: number): Ctx['probeBuf'] {
  const ctx = be.context;
  const p = ctx.alloc(bytes);
  const out = ctx.alloc((bytes / PROBE_UNIT) * 4);
  ctx.f32().fill(1, p / 4, (p + bytes) / 4);
  return { p, out, bytes };
}

/** One streaming-sum pass over the probe buffer. */
function probePass(be: WasmBackend, b: Ctx['probeBuf']): void {
  be.context.parallel('probe_sum', [b.p, b.out], b.bytes / PROBE_UNIT, 16);
}

/** Streaming sum over the probe buffer (1 GiB of f32 in wasm memory): the bandwidth reference. */
function probe(be: WasmBackend, b: Ctx['probeBuf']): Timing {
  // Best of ≥ 10 passes over ≥ 1.5 s: on a shared machine a short probe can land in a busy moment
  // and understate the bandwidth (which would overstate every fraction below).
  return time(() => probePass(be, b), 1, 10, 1.5);
}

/**
 * A decode kernel's share of the bandwidth probe, measured in alternation: rounds of one probe
 * pass, then kernel calls reading about as many bytes, each timed as a whole; the result is the
 * median over rounds of (kernel GB/s ÷ probe GB/s) in the same round. The host's bandwidth drifts
 * on a shared machine (the 2-thread probe has read 25–37 GB/s here within an hour), and a probe
 * and a kernel timed at different moments then give fractions off by that much; paired rounds
 * cancel the drift.
 */
function pairedFraction(c: Ctx, fn: () => void, bytes: number): number {
  const calls = Math.max(1, Math.round(c.probeBuf.bytes / bytes));
  const ratios: number[] = [];
  const rounds = c.quick ? 4 : 12;
  for (let r = 0; r < rounds; r++) {
    let t0 = performance.now();
    probePass(c.be, c.probeBuf);
    const probeRate = c.probeBuf.bytes / (performance.now() - t0);
    t0 = performance.now();
    for (let i = 0; i < calls; i++) fn();
    const kernelRate = (calls * bytes) / (performance.now() - t0);
    ratios.push(kernelRate / probeRate);
  }
  ratios.sort((a, b) => a - b);
  return ratios[Math.floor(ratios.length / 2)]!;
}

function benchGemm(c: Ctx, n: number): void {
  const be = c.be;
  const rng = new Rng(1);
  const a = be.alloc(n * n * 4);
  const b = be.alloc(n * n * 4);
  const o = be.alloc(n * n * 4);
  be.write(a, rng.uniform(n * n));
  be.write(b, rng.uniform(n * n));
  const t = time(() => be.matmul(o, a, b, { m: n, n, k: n }), 2, c.quick ? 3 : 5, c.quick ? 0.2 : 0.5);
  gflops(c, 'gemm f32', `${n}x${n}x${n}`, 2 * n * n * n, t);
  for (const x of [a, b, o]) be.free(x);
}

/** Random weights by type, made once per run (quantizing 45 M values in JS takes seconds). */
const weightCache = new Map<GgmlType, Uint8Array>();

/** Decode (m = 1) and prefill (m = 128) linear with a [N, K] weight of `type`. */
function benchLinear(c: Ctx, type: GgmlType, N: number, K: number, prefillM: number): void {
  const be = c.be;
  if (!be.supportsWeight(type)) return;
  const rng = new Rng(2);
  let bytes = weightCache.get(type);
  if (bytes === undefined) {
    bytes = randomWeight(type, N, K, rng, 0.05);
    weightCache.set(type, bytes);
  }
  // Decode cycles over copies of the weight (≥ 128 MB in all), as a model's layers do, so that
  // every call streams from DRAM: a 25 MB 4-bit matrix would otherwise be re-read largely from the
  // 32 MiB L3 and read as more than the memory delivers.
  const copies = Math.max(1, Math.ceil((128 << 20) / bytes.byteLength));
  const ws = Array.from({ length: copies }, () => be.uploadWeight(type, N, K, bytes));
  const w = ws[0]!;
  const x = be.alloc(prefillM * K * 4);
  const y = be.alloc(prefillM * N * 4);
  be.write(x, rng.uniform(prefillM * K));
  let next = 0;
  const decode = () => {
    be.linear(y, x, ws[next]!, 1);
    next = (next + 1) % copies;
  };
  const td = time(decode, 2, c.quick ? 5 : 15, c.quick ? 0.2 : 0.5);
  const fraction = pairedFraction(c, decode, bytes.byteLength);
  gbps(c, `linear ${typeName(type)} decode`, `1x${K} · ${N}x${K}`, bytes.byteLength, td, fraction);
  if (prefillM > 1) {
    const tp = time(() => be.linear(y, x, w, prefillM), 1, c.quick ? 2 : 4, c.quick ? 0.2 : 0.5);
    gflops(c, `linear ${typeName(type)} prefill`, `${prefillM}x${K} · ${N}x${K}`, 2 * prefillM * N * K, tp);
  }
  for (const copy of ws) be.freeWeight(copy);
  be.free(x);
  be.free(y);
}

function benchAttention(c: Ctx): void {
  const be = c.be;
  const [nHead, nKvHead, hd, ctxLen] = [32, 8, 128, 2048];
  const kv = ctxLen * nKvHead * hd;
  const rng = new Rng(3);
  const k = be.alloc(kv * 4);
  const v = be.alloc(kv * 4);
  const q = be.alloc(nHead * hd * 4);
  const o = be.alloc(nHead * hd * 4);
  be.write(k, rng.uniform(kv));
  be.write(v, rng.uniform(kv));
  be.write(q, rng.uniform(nHead * hd));
  const p = { tokens: 1, nHead, nKvHead, headDim: hd, pos0: ctxLen - 1, scale: 1 / Math.sqrt(hd) };
  const t = time(() => be.attention(o, q, k, v, p), 2, 10, c.quick ? 0.2 : 0.5);
  gbps(c, 'attention decode', `${nHead}/${nKvHead} heads x ${hd}, ctx ${ctxLen}`, 2 * kv * 4, t);
  // The same over a Q8_0 KV cache (--cache-type q8_0): 34 bytes per 32 values.
  const qb = (kv / 32) * 34;
  const k8 = be.alloc(qb);
  const v8 = be.alloc(qb);
  be.quantizeRows(k8, k, ctxLen, nKvHead * hd, GgmlType.Q8_0);
  be.quantizeRows(v8, v, ctxLen, nKvHead * hd, GgmlType.Q8_0);
  const p8 = { ...p, kvType: GgmlType.Q8_0 };
  const t8 = time(() => be.attention(o, q, k8, v8, p8), 2, 10, c.quick ? 0.2 : 0.5);
  gbps(c, 'attention decode q8_0', `${nHead}/${nKvHead} heads x ${hd}, ctx ${ctxLen}`, 2 * qb, t8);
  for (const x of [k, v, q, o, k8, v8]) be.free(x);
}

function benchRowOps(c: Ctx): void {
  const be = c.be;
  const [rows, dim] = [512, 4096];
  const n = rows * dim;
  const rng = new Rng(4);
  const x = be.alloc(n * 4);
  const y = be.alloc(n * 4);
  const w = be.alloc(dim * 4);
  be.write(x, rng.uniform(n));
  be.write(w, rng.uniform(dim));
  const reps = c.quick ? 5 : 10;
  const shape = `${rows}x${dim}`;
  gbps(
    c,
    'rmsnorm',
    shape,
    2 * n * 4,
    time(() => be.rmsnorm(y, x, w, rows, dim, 1e-5), 2, reps, 0.2),
  );
  gbps(
    c,
    'softmax',
    shape,
    2 * n * 4,
    time(() => be.softmax(y, x, rows, dim), 2, reps, 0.2),
  );
  gbps(
    c,
    'add',
    `${n}`,
    3 * n * 4,
    time(() => be.add(y, x, y, n), 2, reps, 0.2),
  );
  gbps(
    c,
    'silu',
    `${n}`,
    2 * n * 4,
    time(() => be.silu(y, x, n), 2, reps, 0.2),
  );
  // Pure dispatch: one job of `threads` one-element chunks (one per thread).
  const ctx = be.context;
  const args = [asWasm(y, 'bench').ptr, 0];
  const tiny = time(() => ctx.parallel('ew_fill', args, c.threads, 1), 100, 2000, 0.2);
  c.emit({
    name: 'dispatch (empty job)',
    shape: `${c.threads} chunks`,
    threads: c.threads,
    value: round(tiny.best * 1e6),
    unit: 'µs',
    median: round(tiny.med * 1e6),
  });
  for (const b of [x, y, w]) be.free(b);
}

function printTable(rows: readonly BenchResult[]): void {
  const head = [
    'kernel',
    'shape',
    'threads',
    'value',
    'unit',
    'of probe',
    'median',
    'per CPU-s',
    'CPU share',
  ];
  const body = rows.map((r) => [
    r.name,
    r.shape,
    String(r.threads),
    r.value.toFixed(2),
    r.unit,
    r.fraction_of_probe === undefined ? '' : `${Math.round(r.fraction_of_probe * 100)}%`,
    typeof r.median === 'number' ? r.median.toFixed(2) : '',
    typeof r.per_cpu_s === 'number' ? r.per_cpu_s.toFixed(2) : '',
    typeof r.cpu_share === 'number' ? `${Math.round(r.cpu_share * 100)}%` : '',
  ]);
  const width = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((s, i) => s.padEnd(width[i]!)).join(' | ')} |`;
  console.log(line(head));
  console.log(line(width.map((w) => '-'.repeat(w))));
  for (const b of body) console.log(line(b));
}

export const kernelsBenchmark: Benchmark = {
  name: 'kernels',
  description:
    'WASM kernels (GEMM, linear f32/f16/bf16/quantized, attention, norms) vs a 1 GiB bandwidth probe',
  async run(opts: BenchOptions): Promise<void> {
    const all = opts.threads ?? defaultThreads();
    const build = opts.flags.build;
    if (build !== undefined && build !== 'simd' && build !== 'relaxed') {
      throw new UsageError(`--build must be simd or relaxed, got ${String(build)}`, { field: 'build' });
    }
    const quick = opts.flags.quick === true;
    const onlyFlag = opts.flags.only;
    const only = typeof onlyFlag === 'string' ? onlyFlag.split(',').map((x) => x.trim()) : undefined;
    for (const g of only ?? []) {
      if (!['gemm', 'linear', 'attention', 'rows'].includes(g)) {
        throw new UsageError(`--only: unknown group ${g} (gemm, linear, attention, rows)`, { field: 'only' });
      }
    }
    const results: BenchResult[] = [];
    for (const threads of all > 1 ? [1, all] : [1]) {
      const be = await createWasmBackend(build === undefined ? { threads } : { threads, build });
      try {
        const pb = quick ? 256 << 20 : 1 << 30;
        const probeBuf = probeBuffer(be, pb);
        const c: Ctx = { be, threads, probe: 0, probeBuf, quick, out: results, emit: () => {} };
        c.emit = (r) => {
          results.push(r);
          if (opts.json) console.log(JSON.stringify(r));
        };
        const t = probe(be, probeBuf);
        c.probe = pb / t.best / 1e9;
        c.emit({
          name: `probe sum (${be.name})`,
          shape: `${pb >> 20} MiB f32`,
          threads,
          value: round(c.probe),
          unit: 'GB/s',
          fraction_of_probe: 1,
          median: round(pb / t.med / 1e9),
          ...contention(pb, t, threads),
        });
        // --only gemm,linear,attention,rows: a subset (the probe always runs).
        const want = (g: string): boolean => only === undefined || only.includes(g);
        if (want('gemm')) {
          benchGemm(c, 512);
          benchGemm(c, 1024);
        }
        if (want('linear')) {
          benchLinear(c, GgmlType.F32, 11008, 4096, quick ? 1 : 128);
          benchLinear(c, GgmlType.F16, 11008, 4096, quick ? 1 : 128);
          benchLinear(c, GgmlType.BF16, 11008, 4096, 1);
          for (const q of [GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K])
            benchLinear(c, q, 11008, 4096, 1);
        }
        if (want('attention')) benchAttention(c);
        if (want('rows')) benchRowOps(c);
      } finally {
        be.dispose();
      }
    }
    weightCache.clear();
    if (!opts.json) printTable(results);
  },
};
