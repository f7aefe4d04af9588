// Node-only helpers for the quantized-kernel tests and benchmark: a WasmContext on its own shared
// memory for a chosen build (portable or relaxed) and thread count, and the builds to exercise
// (LLMTS_WASM=simd|relaxed forces one; otherwise both where the runtime supports them).
import { f32ToF16 } from '../../quant/index.js';
import { GgmlType, rowBytes } from '../../tensor/dtype.js';
import { WasmContextImpl } from './context.js';
import { enableRelaxedSimd } from './flags-node.js';
import { readKernels } from './kernels-node.js';
import { NodeThreadPool } from './pool-node.js';
import { MAX_PAGES, WA } from './wasm-api.js';

export type QuantBuild = 'simd' | 'relaxed';

/** The builds to test: $LLMTS_WASM if set, else 'simd' plus 'relaxed' when available. */
export function quantBuilds(): QuantBuild[] {
  const env = process.env.LLMTS_WASM;
  if (env === 'simd') return ['simd'];
  if (env === 'relaxed') return enableRelaxedSimd() ? ['relaxed'] : [];
  return enableRelaxedSimd() ? ['simd', 'relaxed'] : ['simd'];
}

/** A context on a fresh shared memory with `threads` computing threads (the caller included). */
export async function quantTestContext(build: QuantBuild, threads: number): Promise<WasmContextImpl> {
  const api = WA;
  if (api === undefined) throw new Error('no WebAssembly in this runtime');
  const relaxed = build === 'relaxed';
  if (relaxed && !enableRelaxedSimd()) throw new Error('relaxed SIMD is not available in this runtime');
  const module = new api.Module(readKernels(relaxed));
  const memory = new api.Memory({ initial: 64, maximum: MAX_PAGES, shared: true });
  const instance = new api.Instance(module, { env: { memory } });
  const ctx = new WasmContextImpl(module, memory, instance, relaxed, null);
  if (threads > 1) ctx.attachPool(await NodeThreadPool.start(module, memory, ctx.functions, threads));
  return ctx;
}

/** A seeded uniform generator in [0, 1) (mulberry32). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function putF16(b: Uint8Array, o: number, x: number): void {
  const h = f32ToF16(x);
  b[o] = h & 0xff;
  b[o + 1] = h >>> 8;
}

/** Random block bytes (every quant bit pattern) with sane f16 scale fields. */
export function randomQuantWeight(type: GgmlType, rows: number, cols: number, r: () => number): Uint8Array {
  const rb = rowBytes(type, cols)!;
  const b = new Uint8Array(rows * rb);
  for (let i = 0; i < b.length; i++) b[i] = Math.floor(r() * 256);
  const scale = () => (r() - 0.3) * 0.02;
  const n = b.length;
  switch (type) {
    case GgmlType.Q8_0:
      for (let o = 0; o < n; o += 34) putF16(b, o, scale());
      break;
    case GgmlType.Q4_0:
      for (let o = 0; o < n; o += 18) putF16(b, o, scale());
      break;
    case GgmlType.Q4_K:
    case GgmlType.Q5_K: {
      const bs = type === GgmlType.Q4_K ? 144 : 176;
      for (let o = 0; o < n; o += bs) {
        putF16(b, o, Math.abs(scale()));
        putF16(b, o + 2, Math.abs(scale()));
      }
      break;
    }
    case GgmlType.Q6_K:
      for (let o = 0; o < n; o += 210) putF16(b, o + 208, scale());
      break;
  }
  return b;
}
