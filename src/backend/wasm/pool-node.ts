// Node thread pool: worker_threads created once, each instantiating the same compiled module on
// the same shared memory. Idle workers block in Atomics.wait after a short bounded spin; the
// calling thread takes chunks too (tid 0), then waits for the stragglers.
import { Worker } from 'node:worker_threads';
import { callKernelSource, MAX_ARGS } from './call.js';
import {
  ARGS_BYTE_OFFSET,
  C_CHUNK,
  C_CTR,
  C_DONE,
  C_ERR,
  C_FN,
  C_NARGS,
  C_NCHUNKS,
  C_ROWS,
  C_SEQ,
  C_STOP,
  C_TID,
  CTRL_BYTES,
  CTRL_INTS,
  claimLoop,
  IDX_BITS,
  IDX_MASK,
  MAX_CHUNKS,
  TAG_MASK,
  type ThreadPool,
} from './pool.js';
import type { KernelFn, WasmMemory, WasmModule } from './wasm-api.js';

const SPIN = 2000;

function workerSource(): string {
  return `
const { workerData, parentPort } = require('node:worker_threads');
const { module, memory, sab, tid } = workerData;
const inst = new WebAssembly.Instance(module, { env: { memory } });
const fns = WebAssembly.Module.exports(module).filter((e) => e.kind === 'function').map((e) => inst.exports[e.name]);
const ctrl = new Int32Array(sab, 0, ${CTRL_INTS});
const args = new Float64Array(sab, ${ARGS_BYTE_OFFSET}, ${MAX_ARGS + 1});
const local = new Float64Array(${MAX_ARGS + 1});
${callKernelSource()}
function claim(tag) {
  let loaded = false, f, n = 0, rows = 0, chunk = 0;
  for (;;) {
    const w = Atomics.load(ctrl, ${C_CTR});
    if (w >>> ${IDX_BITS} !== tag) return;
    const idx = w & ${IDX_MASK};
    const nch = Atomics.load(ctrl, ${C_NCHUNKS});
    if (idx >= nch) return;
    if (Atomics.compareExchange(ctrl, ${C_CTR}, w, w + 1) !== w) continue;
    if (!loaded) {
      loaded = true;
      f = fns[ctrl[${C_FN}]]; n = ctrl[${C_NARGS}]; rows = ctrl[${C_ROWS}]; chunk = ctrl[${C_CHUNK}];
      for (let i = 0; i < n; i++) local[i] = args[i];
      if (ctrl[${C_TID}] !== 0) local[n++] = tid;
    }
    const r0 = idx * chunk;
    try { callKernel(f, local, n, r0, Math.min(rows, r0 + chunk)); } catch { Atomics.store(ctrl, ${C_ERR}, 1); }
    if (Atomics.add(ctrl, ${C_DONE}, 1) + 1 >= nch) Atomics.notify(ctrl, ${C_DONE});
  }
}
// Read the job counter BEFORE signalling ready, or the first job could be missed.
let seen = Atomics.load(ctrl, ${C_SEQ});
parentPort.postMessage('ready');
for (;;) {
  let s = Atomics.load(ctrl, ${C_SEQ});
  for (let i = 0; s === seen && i < ${SPIN}; i++) s = Atomics.load(ctrl, ${C_SEQ});
  if (s === seen) { Atomics.wait(ctrl, ${C_SEQ}, seen); continue; }
  seen = s;
  if (Atomics.load(ctrl, ${C_STOP}) !== 0) break;
  claim(s & ${TAG_MASK});
}
`;
}

export class NodeThreadPool implements ThreadPool {
  readonly threads: number;
  private readonly ctrl: Int32Array;
  private readonly args: Float64Array;
  private readonly local = new Float64Array(MAX_ARGS + 1);
  private readonly workers: Worker[] = [];
  private disposed = false;

  private constructor(
    private readonly fns: readonly KernelFn[],
    sab: SharedArrayBuffer,
    nWorkers: number,
  ) {
    this.threads = nWorkers + 1;
    this.ctrl = new Int32Array(sab, 0, CTRL_INTS);
    this.args = new Float64Array(sab, ARGS_BYTE_OFFSET, MAX_ARGS + 1);
  }

  /** Starts `threads − 1` workers (the caller is the remaining thread). */
  static async start(
    module: WasmModule,
    memory: WasmMemory,
    fns: readonly KernelFn[],
    threads: number,
  ): Promise<NodeThreadPool> {
    const sab = new SharedArrayBuffer(CTRL_BYTES);
    const pool = new NodeThreadPool(fns, sab, threads - 1);
    const src = workerSource();
    const ready: Promise<void>[] = [];
    for (let t = 1; t < threads; t++) {
      const w = new Worker(src, {
        eval: true,
        execArgv: [],
        workerData: { module, memory, sab, tid: t },
      });
      pool.workers.push(w);
      ready.push(
        new Promise<void>((resolve, reject) => {
          w.once('message', () => resolve());
          w.once('error', reject);
        }),
      );
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      pool.dispose();
      throw e;
    }
    for (const w of pool.workers) w.unref();
    return pool;
  }

  run(
    fn: number,
    args: ArrayLike<number>,
    nargs: number,
    rows: number,
    chunk: number,
    withTid: boolean,
  ): void {
    if (this.disposed) throw new Error('thread pool used after dispose');
    const c = this.ctrl;
    let nch = Math.ceil(rows / chunk);
    if (nch > MAX_CHUNKS) {
      chunk = Math.ceil(rows / MAX_CHUNKS);
      nch = Math.ceil(rows / chunk);
    }
    c[C_FN] = fn;
    c[C_NARGS] = nargs;
    c[C_ROWS] = rows;
    c[C_CHUNK] = chunk;
    c[C_TID] = withTid ? 1 : 0;
    for (let i = 0; i < nargs; i++) this.args[i] = args[i]!;
    Atomics.store(c, C_ERR, 0);
    Atomics.store(c, C_DONE, 0);
    Atomics.store(c, C_NCHUNKS, nch);
    const seq = (Atomics.load(c, C_SEQ) + 1) | 0;
    const tag = seq & TAG_MASK;
    Atomics.store(c, C_CTR, tag << IDX_BITS);
    Atomics.store(c, C_SEQ, seq);
    Atomics.notify(c, C_SEQ);
    claimLoop(c, this.args, this.fns, tag, 0, this.local);
    let d = Atomics.load(c, C_DONE);
    for (let i = 0; d < nch && i < SPIN; i++) d = Atomics.load(c, C_DONE);
    while (d < nch) {
      Atomics.wait(c, C_DONE, d);
      d = Atomics.load(c, C_DONE);
    }
    // Close the counter before the next job's arguments are written.
    Atomics.store(c, C_CTR, (tag << IDX_BITS) | IDX_MASK);
    if (Atomics.load(c, C_ERR) !== 0) throw new Error('a wasm kernel trapped in the thread pool');
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const c = this.ctrl;
    Atomics.store(c, C_STOP, 1);
    Atomics.store(c, C_SEQ, (Atomics.load(c, C_SEQ) + 1) | 0);
    Atomics.notify(c, C_SEQ);
    for (const w of this.workers) {
      w.unref();
      void w.terminate();
    }
  }
}
