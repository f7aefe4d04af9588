// WasmContext: one shared WebAssembly.Memory, the kernel instance of the calling thread, a JS-side
// allocator and the thread pool. Shared by the WASM backend and the quantized-kernel files.
import { UsageError } from '../../errors.js';
import { Allocator } from './allocator.js';
import { callKernel } from './call.js';
import type { ThreadPool } from './pool.js';
import type { KernelFn, WasmInstance, WasmMemory, WasmModule } from './wasm-api.js';
import { WA } from './wasm-api.js';

export interface WasmContext {
  readonly memory: WasmMemory;
  /** The kernel exports of the calling thread's instance. */
  readonly exports: Readonly<Record<string, KernelFn>>;
  /** Computing threads, the caller included. */
  readonly threads: number;
  /** The relaxed-SIMD build is loaded. */
  readonly relaxed: boolean;
  /** Views of the whole memory; re-created after growth (call again after any alloc). */
  u8(): Uint8Array;
  f32(): Float32Array;
  i32(): Int32Array;
  /** Allocates `bytes` (64-byte aligned by default); throws CapacityError past 4 GiB. */
  alloc(bytes: number, align?: number): number;
  free(ptr: number): void;
  /**
   * Runs `exports[fnName](...args, r0, r1)` over [0, rows) in chunks of `chunk` rows on all
   * threads (the caller included); returns when all chunks are done.
   */
  parallel(fnName: string, args: readonly number[], rows: number, chunk: number): void;
  /** As parallel, but calls `exports[fnName](...args, tid, r0, r1)`, tid in [0, threads). */
  parallelTid(fnName: string, args: readonly number[], rows: number, chunk: number): void;
  /**
   * A scratch region of at least `bytes` bytes for slot `slot` (0..7), owned by the context and
   * grown on demand. Valid until the next scratch() call for the same slot.
   */
  scratch(slot: number, bytes: number): number;
  dispose(): void;
}

const SCRATCH_SLOTS = 8;

export class WasmContextImpl implements WasmContext {
  readonly exports: Readonly<Record<string, KernelFn>>;
  readonly threads: number;
  private readonly fnIndex = new Map<string, number>();
  private readonly fns: KernelFn[] = [];
  private readonly allocator: Allocator;
  private viewU8: Uint8Array;
  private viewF32: Float32Array;
  private viewI32: Int32Array;
  private readonly scratchPtr = new Array<number>(SCRATCH_SLOTS).fill(0);
  private readonly scratchSize = new Array<number>(SCRATCH_SLOTS).fill(0);
  private disposed = false;

  constructor(
    readonly module: WasmModule,
    readonly memory: WasmMemory,
    instance: WasmInstance,
    readonly relaxed: boolean,
    private pool: ThreadPool | null,
  ) {
    const ex: Record<string, KernelFn> = {};
    const api = WA!;
    for (const d of api.Module.exports(module)) {
      if (d.kind !== 'function') continue;
      const f = instance.exports[d.name] as KernelFn;
      ex[d.name] = f;
      this.fnIndex.set(d.name, this.fns.length);
      this.fns.push(f);
    }
    this.exports = ex;
    this.threads = pool?.threads ?? 1;
    const heapBase = ex.heap_base !== undefined ? ex.heap_base() >>> 0 : 65536;
    this.viewU8 = new Uint8Array(0);
    this.viewF32 = new Float32Array(0);
    this.viewI32 = new Int32Array(0);
    this.refresh();
    this.allocator = new Allocator(memory, Math.max(heapBase, 1024), () => this.refresh());
  }

  /** The exported kernel functions in module order (the pool's function indices). */
  get functions(): readonly KernelFn[] {
    return this.fns;
  }

  attachPool(pool: ThreadPool): void {
    this.pool = pool;
    (this as { threads: number }).threads = pool.threads;
  }

  private refresh(): void {
    const buf = this.memory.buffer;
    this.viewU8 = new Uint8Array(buf);
    this.viewF32 = new Float32Array(buf);
    this.viewI32 = new Int32Array(buf);
  }

  u8(): Uint8Array {
    return this.viewU8;
  }
  f32(): Float32Array {
    return this.viewF32;
  }
  i32(): Int32Array {
    return this.viewI32;
  }

  get bytesInUse(): number {
    return this.allocator.bytesInUse;
  }

  alloc(bytes: number, align?: number): number {
    this.check();
    return this.allocator.alloc(bytes, align);
  }

  free(ptr: number): void {
    this.allocator.free(ptr);
  }

  scratch(slot: number, bytes: number): number {
    if (this.scratchSize[slot]! >= bytes) return this.scratchPtr[slot]!;
    const size = Math.max(bytes, 65536, Math.ceil(this.scratchSize[slot]! * 1.5));
    if (this.scratchSize[slot]! > 0) this.allocator.free(this.scratchPtr[slot]!);
    this.scratchSize[slot] = 0;
    this.scratchPtr[slot] = this.allocator.alloc(size);
    this.scratchSize[slot] = size;
    return this.scratchPtr[slot]!;
  }

  parallel(fnName: string, args: readonly number[], rows: number, chunk: number): void {
    this.run(fnName, args, rows, chunk, false);
  }

  parallelTid(fnName: string, args: readonly number[], rows: number, chunk: number): void {
    this.run(fnName, args, rows, chunk, true);
  }

  private run(fnName: string, args: readonly number[], rows: number, chunk: number, withTid: boolean): void {
    this.check();
    const fi = this.fnIndex.get(fnName);
    if (fi === undefined) throw new UsageError(`unknown wasm kernel ${fnName}`, { field: 'fnName' });
    if (rows <= 0) return;
    chunk = Math.max(1, Math.floor(chunk));
    const f = this.fns[fi]!;
    if (this.pool === null || rows <= chunk) {
      if (withTid) {
        const a = this.tidArgs;
        for (let i = 0; i < args.length; i++) a[i] = args[i]!;
        a[args.length] = 0;
        callKernel(f, a, args.length + 1, 0, rows);
      } else {
        callKernel(f, args, args.length, 0, rows);
      }
      return;
    }
    this.pool.run(fi, args, args.length, rows, chunk, withTid);
  }

  private readonly tidArgs = new Float64Array(24);

  private check(): void {
    if (this.disposed) throw new UsageError('the WASM backend was disposed');
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pool?.dispose();
    this.pool = null;
  }
}
