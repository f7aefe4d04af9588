// Node-only byte source for loading weights: like io/byte-source-node.ts's FileSource, but a large
// `readInto` whose destination is shared memory (a view of the WASM backend's memory) is split in
// two halves read at the same time, the second by a helper thread on the same file descriptor.
// Most of a load's time is the kernel copying page-cache pages into fresh (first-touch) memory;
// two threads do that about 1.3-1.6x faster on two cores (measured on a busy 2-core machine).
// Other destinations, small reads and files under MIN_FILE read on the caller.
// The helper is started when the file is opened (it boots while the header and tokenizer are
// parsed), is unref'd, and is stopped by close(). A failed or stuck helper read is a FormatError,
// never a hang: the caller waits at most READ_TIMEOUT_MS for it.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { FormatError, UsageError } from '../errors.js';
import { type ByteSource, checkRange } from '../io/byte-source.js';
import { nodeFs } from './fs-node.js';
import type { ModelFs } from './loader.js';

/** Largest single readSync call. */
const CHUNK = 64 * 1024 * 1024;
/** Reads smaller than this stay on the caller. */
const MIN_SPLIT = 4 * 1024 * 1024;
/**
 * Files smaller than this never start a helper thread: a worker costs about 10 MiB of RSS, under
 * 1% of such a file (for a 600 MiB model it would be 1.7%, against a peak-RSS budget of 15%).
 */
const MIN_FILE = 1024 * 1024 * 1024;
const READ_TIMEOUT_MS = 600_000;

// Control word states.
const IDLE = 0;
const PENDING = 1;
const FAILED = 2;

const HELPER = `
const { parentPort } = require('node:worker_threads');
const { readSync } = require('node:fs');
parentPort.on('message', (m) => {
  const ctl = new Int32Array(m.ctl);
  let state = ${IDLE};
  try {
    const dst = new Uint8Array(m.sab, m.dst, m.len);
    let done = 0;
    while (done < m.len) {
      const got = readSync(m.fd, dst, done, Math.min(${CHUNK}, m.len - done), m.off + done);
      if (got <= 0) { state = ${FAILED}; break; }
      done += got;
    }
  } catch {
    state = ${FAILED};
  }
  Atomics.store(ctl, 0, state);
  Atomics.notify(ctl, 0);
});
`;

export class ParallelFileSource implements ByteSource {
  readonly name: string;
  readonly size: number;
  private fd: number | undefined;
  private worker: Worker | undefined;
  private readonly ctl = new Int32Array(new SharedArrayBuffer(4));

  /** Thresholds (bytes) below which a file starts no helper and a read is not split. */
  private readonly minSplit: number;

  constructor(path: string, opts: { minFile?: number; minSplit?: number } = {}) {
    this.name = path;
    this.minSplit = Math.max(8192, opts.minSplit ?? MIN_SPLIT);
    this.fd = openSync(path, 'r');
    try {
      const st = fstatSync(this.fd);
      if (!st.isFile()) throw new FormatError(`${path}: not a regular file`, { file: path });
      this.size = st.size;
    } catch (e) {
      closeSync(this.fd);
      this.fd = undefined;
      throw e;
    }
    if (this.size >= (opts.minFile ?? MIN_FILE)) {
      try {
        this.worker = new Worker(HELPER, { eval: true });
        this.worker.unref();
        this.worker.on('error', () => {
          this.worker = undefined;
        });
      } catch {
        this.worker = undefined; // no threads: read on the caller
      }
    }
  }

  /** A helper thread is running (large reads into shared memory are split). */
  get threaded(): boolean {
    return this.worker !== undefined;
  }

  read(offset: number, length: number): Uint8Array {
    checkRange(this.name, this.size, offset, length);
    const out = new Uint8Array(length);
    this.readRange(offset, out);
    return out;
  }

  readInto(offset: number, dst: Uint8Array): void {
    checkRange(this.name, this.size, offset, dst.length);
    const w = this.worker;
    if (w === undefined || dst.length < this.minSplit || !(dst.buffer instanceof SharedArrayBuffer)) {
      this.readRange(offset, dst);
      return;
    }
    const half = Math.max(1, Math.floor(dst.length / 2 / 4096)) * 4096;
    Atomics.store(this.ctl, 0, PENDING);
    w.postMessage({
      ctl: this.ctl.buffer,
      sab: dst.buffer,
      dst: dst.byteOffset + half,
      len: dst.length - half,
      fd: this.openFd(),
      off: offset + half,
    });
    try {
      this.readRange(offset, dst.subarray(0, half));
    } finally {
      // Wait even if our half failed: the helper must not write after the caller gave up.
      this.waitHelper(offset + half);
    }
  }

  private waitHelper(at: number): void {
    const t0 = Date.now();
    while (Atomics.load(this.ctl, 0) === PENDING) {
      const left = READ_TIMEOUT_MS - (Date.now() - t0);
      if (left <= 0) {
        this.worker?.terminate();
        this.worker = undefined;
        throw new FormatError(`${this.name}: reading at byte ${at} timed out`, {
          file: this.name,
          offset: at,
        });
      }
      Atomics.wait(this.ctl, 0, PENDING, left);
    }
    if (Atomics.load(this.ctl, 0) === FAILED) {
      throw new FormatError(`${this.name}: file ended early after byte ${at} (changed after open?)`, {
        file: this.name,
        offset: at,
      });
    }
  }

  private openFd(): number {
    if (this.fd === undefined) throw new FormatError(`${this.name}: file is closed`, { file: this.name });
    return this.fd;
  }

  private readRange(offset: number, dst: Uint8Array): void {
    const fd = this.openFd();
    let done = 0;
    while (done < dst.length) {
      const got = readSync(fd, dst, done, Math.min(CHUNK, dst.length - done), offset + done);
      if (got <= 0) {
        throw new FormatError(
          `${this.name}: file ended early at byte ${offset + done} (changed after open?)`,
          {
            file: this.name,
            offset: offset + done,
          },
        );
      }
      done += got;
    }
  }

  close(): void {
    void this.worker?.terminate();
    this.worker = undefined;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Node file access for loadModel: nodeFs, with model files opened as ParallelFileSource. */
export const loadFs: ModelFs = {
  ...nodeFs,
  open(path: string) {
    try {
      return new ParallelFileSource(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === undefined) throw e;
      throw new UsageError(`cannot open ${path}: ${code}`, { file: path, cause: e });
    }
  },
};
