// `llmts bench quant-kernels`: the WASM quantized linear kernels (Q8_0, Q4_0, Q4_K, Q5_K, Q6_K)
// on a decode-shaped matvec (x = 1×4096, W = 11008×4096) and an m = 512 prefill, at 1 thread and
// at all threads, next to a streaming-sum bandwidth probe (512 MiB of f32) run in the same process.
// Decode reads as GB/s of weights and as a fraction of the probe; prefill as GOP/s (2·m·N·K) and
// tokens/s. Weights are cycled over several copies (≥ 128 MB in all) so that every call streams
// from DRAM rather than from the 32 MiB L3.
// Flags: --threads N (default 2), --build simd|relaxed (default: relaxed where available),
// --types q8_0,q4_k (default all), --no-prefill, --reps N (decode calls, default 30). Each figure is
// work / best time; the probe runs before and after the kernels and the larger figure is used
// (on a shared machine a single probe can land in a busy moment). Kernel rows also carry
// per_cpu_s (work per CPU-second of all threads) and cpu_share, as `llmts bench kernels` does.

import { Rng } from '../backend/conformance/random.js';
import { randomWeight } from '../backend/conformance/weights.js';
import type { WasmWeight } from '../backend/wasm/buf.js';
import { WasmBuf } from '../backend/wasm/buf.js';
import type { WasmContextImpl } from '../backend/wasm/context.js';
import { quantLinear, quantLinearTypes } from '../backend/wasm/quant-linear.js';
import { type QuantBuild, quantBuilds, quantTestContext, rng } from '../backend/wasm/quant-testing-node.js';
import { uploadQuantWeight } from '../backend/wasm/quant-weight.js';
import { UsageError } from '../errors.js';
import { type GgmlType, rowBytes, typeByName, typeName } from '../tensor/dtype.js';
import type { Benchmark, BenchOptions, BenchResult } from './registry.js';

/** Reference-quantized N×K weights of `type`, made once per type (K-quant quantizers take seconds). */
const weightCache = new Map<GgmlType, Uint8Array>();
function quantWeight(type: GgmlType): Uint8Array {
  let w = weightCache.get(type);
  if (w === undefined) {
    w = randomWeight(type, N, K, new Rng(7), 0.05);
    weightCache.set(type, w);
  }
  return w;
}

const N = 11008;
const K = 4096;
const PREFILL_M = 512;
const PROBE_BYTES = 512 * 1024 * 1024;
const PROBE_UNIT = 1 << 18; // bytes per probe_sum row

interface Timing {
  /** Best and median seconds per call. */
  best: number;
  med: number;
  /** CPU seconds of all the process's threads per call, and wall seconds per call. */
  cpu: number;
  wall: number;
}

function timeCalls(fn: () => void, warm: number, reps: number): Timing {
  for (let i = 0; i < warm; i++) fn();
  const t: number[] = [];
  const c0 = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  const wall = (performance.now() - start) / 1000 / reps;
  const cu = process.cpuUsage(c0);
  t.sort((a, b) => a - b);
  return {
    best: t[0]! / 1000,
    med: t[Math.floor(t.length / 2)]! / 1000,
    cpu: (cu.user + cu.system) / 1e6 / reps,
    wall,
  };
}

/**
 * Figures that stay meaningful on a shared machine: work per CPU-second of all our threads
 * (`per_cpu_s`, in the row's unit; × threads estimates the uncontended rate of a compute-bound
 * kernel) and the share of the requested cores the process got (`cpu_share`).
 */
function contention(work: number, t: Timing, threads: number): { per_cpu_s: number; cpu_share: number } {
  return { per_cpu_s: work / t.cpu / 1e9, cpu_share: t.cpu / t.wall / threads };
}

function probe(ctx: WasmContextImpl): number {
  const p = ctx.alloc(PROBE_BYTES);
  const units = PROBE_BYTES / PROBE_UNIT;
  const out = ctx.alloc(units * 4);
  ctx.f32().fill(1, p / 4, (p + PROBE_BYTES) / 4); // touch every page
  const { best } = timeCalls(() => ctx.parallel('probe_sum', [p, out], units, 16), 1, 10);
  ctx.free(out);
  ctx.free(p);
  return PROBE_BYTES / best / 1e9;
}

function parseTypes(v: string | boolean | undefined): GgmlType[] {
  if (typeof v !== 'string') return [...quantLinearTypes];
  return v.split(',').map((name) => {
    const t = typeByName(name.trim());
    if (t === undefined || !quantLinearTypes.has(t)) {
      throw new UsageError(`--types: ${name} is not one of q8_0, q4_0, q4_k, q5_k, q6_k`, { field: 'types' });
    }
    return t;
  });
}

async function run(opts: BenchOptions): Promise<void> {
  const maxThreads = opts.threads ?? 2;
  const builds = quantBuilds();
  const build = (
    typeof opts.flags.build === 'string' ? opts.flags.build : builds[builds.length - 1]
  ) as QuantBuild;
  if (!builds.includes(build))
    throw new UsageError(`--build: ${build} is not available here`, { field: 'build' });
  const types = parseTypes(opts.flags.types);
  const prefill = opts.flags['no-prefill'] !== true && opts.flags.prefill !== false;
  const reps =
    typeof opts.flags.reps === 'string' ? Math.max(3, Number.parseInt(opts.flags.reps, 10) || 30) : 30;
  const emit = (r: BenchResult): void => {
    if (opts.json) console.log(JSON.stringify(r));
    else {
      const frac =
        r.fraction_of_probe === undefined ? '' : `  (${(r.fraction_of_probe * 100).toFixed(0)}% of probe)`;
      let extra = typeof r.ms === 'number' ? `  ${r.ms.toFixed(2)} ms` : '';
      if (typeof r.per_cpu_s === 'number' && typeof r.cpu_share === 'number') {
        extra += `  ${r.per_cpu_s.toFixed(2)} ${r.unit} per CPU-s, cpu share ${r.cpu_share.toFixed(2)}`;
      }
      console.log(
        `${r.name.padEnd(24)} ${r.shape.padEnd(22)} ${r.threads}T  ${r.value.toFixed(2)} ${r.unit}${frac}${extra}`,
      );
    }
  };
  const threadList = maxThreads > 1 ? [1, maxThreads] : [1];
  for (const threads of threadList) {
    const ctx = await quantTestContext(build, threads);
    try {
      let bw = probe(ctx);
      const decode: BenchResult[] = [];
      const prefills: BenchResult[] = [];
      const r = rng(threads);
      const x = new WasmBuf(ctx.alloc(PREFILL_M * K * 4), PREFILL_M * K * 4);
      const out = new WasmBuf(ctx.alloc(PREFILL_M * N * 4), PREFILL_M * N * 4);
      const f = ctx.f32();
      for (let i = 0; i < PREFILL_M * K; i++) f[x.ptr / 4 + i] = (r() - 0.5) * 2;
      for (const type of types) {
        const bytes = N * rowBytes(type, K)!;
        const copies = Math.max(1, Math.ceil(128e6 / bytes));
        // Weights as real models have them: the reference quantizer applied to random floats (random
        // bytes give normal f16 scales, while e.g. Q6_K rows of real weights have subnormal ones).
        const data = quantWeight(type);
        const ws: WasmWeight[] = [];
        for (let c = 0; c < copies; c++) ws.push(uploadQuantWeight(ctx, type, N, K, data));
        let c = 0;
        const dec = timeCalls(() => quantLinear(ctx, out, x, ws[c++ % copies]!, 1), 3, reps);
        const gbs = bytes / dec.best / 1e9;
        decode.push({
          name: `linear_${typeName(type)}`,
          shape: `1x${K}·${N}x${K}`,
          threads,
          value: gbs,
          unit: 'GB/s',
          fraction_of_probe: 0,
          ms: dec.best * 1e3,
          med_GBs: bytes / dec.med / 1e9,
          ...contention(bytes, dec, threads),
          build,
        });
        if (prefill) {
          const pre = timeCalls(() => quantLinear(ctx, out, x, ws[c++ % copies]!, PREFILL_M), 1, 2);
          const gops = (2 * PREFILL_M * N * K) / pre.best / 1e9;
          prefills.push({
            name: `linear_${typeName(type)}_prefill`,
            shape: `${PREFILL_M}x${K}·${N}x${K}`,
            threads,
            value: gops,
            unit: 'GOP/s',
            ms: pre.best * 1e3,
            weight_GBs: bytes / pre.best / 1e9,
            tokens_per_s: PREFILL_M / pre.best,
            ...contention(2 * PREFILL_M * N * K, pre, threads),
            build,
          });
        }
        for (const w of ws) ctx.free(w.buf.ptr);
      }
      ctx.free(x.ptr);
      ctx.free(out.ptr);
      bw = Math.max(bw, probe(ctx));
      emit({ name: 'probe_sum', shape: '512MiB', threads, value: bw, unit: 'GB/s', build });
      for (const r of decode) emit({ ...r, fraction_of_probe: r.value / bw });
      for (const r of prefills) emit(r);
    } finally {
      ctx.dispose();
    }
  }
}

export const quantKernelsBench: Benchmark = {
  name: 'quant-kernels',
  description: 'WASM quantized linear kernels (Q8_0, Q4_0, Q4_K, Q5_K, Q6_K): decode GB/s and prefill GOP/s',
  run,
};
