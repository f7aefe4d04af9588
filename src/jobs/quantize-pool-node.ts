// Worker threads for the quantize job (Node-only). Each tensor's f32 rows sit in a
// SharedArrayBuffer; the calling thread and the workers claim chunks of rows with an atomic
// counter and quantize them into a shared output buffer. The rows are independent, so the bytes
// are the same for any number of threads. The caller blocks on Atomics.wait until every chunk is
// done (the API stays synchronous); a failing worker reports through the shared control block.
import { Worker } from 'node:worker_threads';
import { quantizeRow } from '../quant/index.js';
import { type GgmlType, rowBytes } from '../tensor/dtype.js';

// Control block (Int32Array): next chunk to claim, chunks done, error flag.
const NEXT = 0;
const DONE = 1;
const ERROR = 2;
const CTRL_INTS = 3;

/** The message a worker gets for one tensor. */
interface Task {
  readonly type: GgmlType;
  readonly n: number;
  readonly rows: number;
  readonly chunkRows: number;
  readonly src: SharedArrayBuffer;
  readonly dst: SharedArrayBuffer;
  readonly ctrl: SharedArrayBuffer;
}

/** Claims and quantizes chunks until none are left. Shared by the workers and the caller. */
function work(t: Task, quantize: typeof quantizeRow): void {
  const ctrl = new Int32Array(t.ctrl);
  const src = new Float32Array(t.src);
  const dst = new Uint8Array(t.dst);
  const rb = rowBytes(t.type, t.n)!;
  const chunks = Math.ceil(t.rows / t.chunkRows);
  for (;;) {
    const c = Atomics.add(ctrl, NEXT, 1);
    if (c >= chunks) return;
    try {
      const end = Math.min(t.rows, (c + 1) * t.chunkRows);
      for (let r = c * t.chunkRows; r < end; r++) quantize(t.type, src, r * t.n, dst, r * rb, t.n);
    } catch {
      Atomics.store(ctrl, ERROR, 1);
    }
    Atomics.add(ctrl, DONE, 1);
    Atomics.notify(ctrl, DONE);
  }
}

/** Worker body: imports the quant module (same build as the caller) and serves tasks. */
function workerSource(quantUrl: string): string {
  return `
const { parentPort } = require('node:worker_threads');
const NEXT = ${NEXT}, DONE = ${DONE}, ERROR = ${ERROR};
const ready = import(${JSON.stringify(quantUrl)});
parentPort.on('message', async (t) => {
  let quantize;
  try { quantize = (await ready).quantizeRow; } catch { return; } // the caller does the work
  const ctrl = new Int32Array(t.ctrl), src = new Float32Array(t.src), dst = new Uint8Array(t.dst);
  const rb = t.rb, chunks = Math.ceil(t.rows / t.chunkRows);
  for (;;) {
    const c = Atomics.add(ctrl, NEXT, 1);
    if (c >= chunks) return;
    try {
      const end = Math.min(t.rows, (c + 1) * t.chunkRows);
      for (let r = c * t.chunkRows; r < end; r++) quantize(t.type, src, r * t.n, dst, r * rb, t.n);
    } catch { Atomics.store(ctrl, ERROR, 1); }
    Atomics.add(ctrl, DONE, 1);
    Atomics.notify(ctrl, DONE);
  }
});`;
}

export class QuantizePool {
  private readonly workers: Worker[] = [];

  /** `threads` in total, the caller included (1 = no workers). */
  constructor(threads: number) {
    const quantUrl = new URL(
      import.meta.url.endsWith('.ts') ? '../quant/index.ts' : '../quant/index.js',
      import.meta.url,
    ).href;
    for (let i = 1; i < threads; i++) {
      const w = new Worker(workerSource(quantUrl), { eval: true });
      w.on('error', () => {
        // a dead worker claims nothing more; the caller finishes the chunks
      });
      w.unref();
      this.workers.push(w);
    }
  }

  /**
   * Quantizes `rows` rows of `n` values from `src` (f32, in a SharedArrayBuffer) into `dst`
   * (rows * rowBytes(type, n) bytes, also shared), in parallel. Throws if a row failed.
   */
  quantizeRows(type: GgmlType, src: Float32Array, dst: Uint8Array, n: number, rows: number): void {
    if (!(src.buffer instanceof SharedArrayBuffer) || !(dst.buffer instanceof SharedArrayBuffer)) {
      throw new RangeError('QuantizePool: buffers must be SharedArrayBuffers');
    }
    // The workers see whole buffers: views must start at offset 0 and hold the rows.
    const rb = rowBytes(type, n)!;
    if (src.byteOffset !== 0 || dst.byteOffset !== 0 || src.length < rows * n || dst.length < rows * rb) {
      throw new RangeError('QuantizePool: src/dst must be views at offset 0 holding every row');
    }
    const ctrl = new SharedArrayBuffer(CTRL_INTS * 4);
    // Chunks of ~64K values: small enough to balance, large enough to amortize the atomics.
    const chunkRows = Math.max(1, Math.floor(65536 / Math.max(1, n)));
    const task: Task = { type, n, rows, chunkRows, src: src.buffer, dst: dst.buffer, ctrl };
    if (this.workers.length > 0 && rows > chunkRows) {
      for (const w of this.workers) w.postMessage({ ...task, rb });
    }
    work(task, quantizeRow);
    const c = new Int32Array(ctrl);
    const chunks = Math.ceil(rows / chunkRows);
    for (;;) {
      const done = Atomics.load(c, DONE);
      if (done >= chunks) break;
      Atomics.wait(c, DONE, done, 100);
    }
    if (Atomics.load(c, ERROR) !== 0) throw new RangeError(`QuantizePool: quantizing a ${type} row failed`);
  }

  dispose(): void {
    for (const w of this.workers) void w.terminate();
    this.workers.length = 0;
  }
}
