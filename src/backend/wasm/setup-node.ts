// Node-only: builds a WasmBackend (feature detection, kernel build choice, shared memory,
// thread pool). LLMTS_WASM=relaxed|simd forces a build; threads default to availableParallelism.
import { availableParallelism } from 'node:os';
import { UnsupportedError, UsageError } from '../../errors.js';
import { WasmBackend } from './backend.js';
import { WasmContextImpl } from './context.js';
import { hasSharedMemory, hasSimd } from './features.js';
import { enableRelaxedSimd } from './flags-node.js';
import { readKernels } from './kernels-node.js';
import { NodeThreadPool } from './pool-node.js';
import { MAX_PAGES, WA } from './wasm-api.js';

export interface WasmBackendOptions {
  /** Computing threads (the caller included). Default: LLMTS_THREADS or availableParallelism(). */
  threads?: number;
  /** Force a build; default: LLMTS_WASM, else relaxed when the runtime has it. */
  build?: 'relaxed' | 'simd';
}

/** Initial memory: 256 pages (16 MiB); grows on demand up to 4 GiB. */
const INITIAL_PAGES = 256;

export function defaultThreads(): number {
  const env = process.env.LLMTS_THREADS;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1 || n > 256) {
      throw new UsageError(`LLMTS_THREADS must be an integer in [1, 256], got "${env}"`, {
        field: 'LLMTS_THREADS',
      });
    }
    return n;
  }
  return Math.max(1, availableParallelism());
}

export function wasmAvailable(): boolean {
  return WA !== undefined && hasSimd() && hasSharedMemory();
}

export async function createWasmBackend(opts: WasmBackendOptions = {}): Promise<WasmBackend> {
  if (WA === undefined || !hasSimd()) throw new UnsupportedError('this runtime has no WebAssembly SIMD');
  if (!hasSharedMemory()) throw new UnsupportedError('this runtime has no shared WebAssembly memory');
  const threads = opts.threads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
    throw new UsageError(`threads must be an integer in [1, 256], got ${threads}`, { field: 'threads' });
  }
  const env = process.env.LLMTS_WASM;
  if (env !== undefined && env !== '' && env !== 'relaxed' && env !== 'simd') {
    throw new UsageError(`LLMTS_WASM must be "relaxed" or "simd", got "${env}"`, { field: 'LLMTS_WASM' });
  }
  const want = opts.build ?? (env === 'relaxed' || env === 'simd' ? env : undefined);
  let relaxed: boolean;
  if (want === 'simd') relaxed = false;
  else {
    relaxed = enableRelaxedSimd();
    if (want === 'relaxed' && !relaxed)
      throw new UnsupportedError('relaxed SIMD is not available in this runtime');
  }
  const module = await WA.compile(readKernels(relaxed));
  const memory = new WA.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared: true });
  const instance = new WA.Instance(module, { env: { memory } });
  const ctx = new WasmContextImpl(module, memory, instance, relaxed, null);
  if (threads > 1) ctx.attachPool(await NodeThreadPool.start(module, memory, ctx.functions, threads));
  return new WasmBackend(ctx);
}
