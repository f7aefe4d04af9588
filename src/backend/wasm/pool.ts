// The work-sharing protocol of the thread pool (runtime-neutral part; workers live in
// pool-node.ts). One SharedArrayBuffer control block; a job is (kernel, args, rows, chunk).
//
// Claims: the word CTR holds (tag << 20) | nextChunk, tag = job sequence mod 2^11. A thread
// claims chunk i with compareExchange(CTR, w, w + 1) only while the tag is its job's tag and
// i < NCHUNKS, so a late thread never takes work of a later job with an earlier job's arguments.
// When every chunk is done the caller closes the counter (idx = CLOSED) before writing the next
// job. Arguments are read only after a successful claim (the claim is the acquire).
import { callKernel, MAX_ARGS } from './call.js';
import type { KernelFn } from './wasm-api.js';

export const C_SEQ = 0;
export const C_CTR = 1;
export const C_NCHUNKS = 2;
export const C_DONE = 3;
export const C_FN = 4;
export const C_NARGS = 5;
export const C_ROWS = 6;
export const C_CHUNK = 7;
export const C_TID = 8;
export const C_ERR = 9;
export const C_STOP = 10;
export const CTRL_INTS = 16;
export const ARGS_BYTE_OFFSET = 64;
export const CTRL_BYTES = ARGS_BYTE_OFFSET + 8 * (MAX_ARGS + 1);
export const IDX_BITS = 20;
export const IDX_MASK = (1 << IDX_BITS) - 1;
export const TAG_MASK = 0x7ff;
/** Most chunks one job may have. */
export const MAX_CHUNKS = IDX_MASK - 1;

export interface ThreadPool {
  /** Threads that compute, the calling thread included. */
  readonly threads: number;
  /** Runs fns[fn] over [0, rows) in chunks on all threads; returns when all chunks are done. */
  run(
    fn: number,
    args: ArrayLike<number>,
    nargs: number,
    rows: number,
    chunk: number,
    withTid: boolean,
  ): void;
  dispose(): void;
}

/**
 * Claims and runs chunks of the job tagged `tag` until none is left. Returns the number run.
 * Used by the calling thread; workers run the same loop from source text (pool-node.ts).
 */
export function claimLoop(
  ctrl: Int32Array,
  args: Float64Array,
  fns: readonly KernelFn[],
  tag: number,
  tid: number,
  local: Float64Array,
): void {
  let loaded = false;
  let f: KernelFn | undefined;
  let n = 0;
  let rows = 0;
  let chunk = 0;
  for (;;) {
    const w = Atomics.load(ctrl, C_CTR);
    if (w >>> IDX_BITS !== tag) return;
    const idx = w & IDX_MASK;
    const nch = Atomics.load(ctrl, C_NCHUNKS);
    if (idx >= nch) return;
    if (Atomics.compareExchange(ctrl, C_CTR, w, w + 1) !== w) continue;
    if (!loaded) {
      loaded = true;
      f = fns[ctrl[C_FN]!];
      n = ctrl[C_NARGS]!;
      rows = ctrl[C_ROWS]!;
      chunk = ctrl[C_CHUNK]!;
      for (let i = 0; i < n; i++) local[i] = args[i]!;
      if (ctrl[C_TID] !== 0) local[n++] = tid;
    }
    const r0 = idx * chunk;
    try {
      callKernel(f!, local, n, r0, Math.min(rows, r0 + chunk));
    } catch {
      Atomics.store(ctrl, C_ERR, 1);
    }
    if (Atomics.add(ctrl, C_DONE, 1) + 1 >= nch) Atomics.notify(ctrl, C_DONE);
  }
}
