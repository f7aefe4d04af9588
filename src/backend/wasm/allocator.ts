// A JS-side allocator over one shared WebAssembly.Memory: first-fit free list with coalescing,
// every block 64-byte aligned, growing the memory on demand up to wasm32's 4 GiB.
import { CapacityError, UsageError } from '../../errors.js';
import { MAX_PAGES, PAGE_BYTES, type WasmMemory } from './wasm-api.js';

const ALIGN = 64;
const LIMIT = MAX_PAGES * PAGE_BYTES; // 4 GiB

function roundUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

export class Allocator {
  /** Free blocks sorted by address: parallel arrays of start and size. */
  private freeStart: number[] = [];
  private freeSize: number[] = [];
  /** Live allocations: start → size. */
  private readonly live = new Map<number, number>();
  /** First byte never handed out. */
  private top: number;
  private inUse = 0;

  /** `base`: first usable byte (above the module's static data). `onGrow` runs after a growth. */
  constructor(
    private readonly memory: WasmMemory,
    base: number,
    private readonly onGrow: () => void,
  ) {
    this.top = roundUp(Math.max(base, ALIGN), ALIGN);
  }

  /** Bytes currently allocated. */
  get bytesInUse(): number {
    return this.inUse;
  }

  alloc(bytes: number, align = ALIGN): number {
    if (!Number.isFinite(bytes) || bytes < 0) {
      throw new UsageError(`wasm alloc: invalid size ${bytes}`, { field: 'bytes' });
    }
    if (!(align > 0 && (align & (align - 1)) === 0)) {
      throw new UsageError(`wasm alloc: alignment ${align} is not a power of two`, { field: 'align' });
    }
    const extra = align > ALIGN ? align - ALIGN : 0;
    const size = roundUp(Math.max(bytes, 1) + extra, ALIGN);
    if (size > LIMIT) throw this.capacity(bytes);
    let start = this.takeFree(size);
    if (start < 0) {
      if (this.top + size > LIMIT) throw this.capacity(bytes);
      this.ensure(this.top + size);
      start = this.top;
      this.top += size;
    }
    this.live.set(start, size);
    this.inUse += size;
    // Over-aligned requests: the caller's pointer is inside the block; remember the block start.
    const p = roundUp(start, align);
    if (p !== start) {
      this.live.delete(start);
      this.live.set(p, size);
      this.offsets.set(p, p - start);
    }
    return p;
  }

  private readonly offsets = new Map<number, number>();

  free(ptr: number): void {
    const size = this.live.get(ptr);
    if (size === undefined)
      throw new UsageError(`wasm free: ${ptr} is not a live allocation`, { field: 'ptr' });
    this.live.delete(ptr);
    this.inUse -= size;
    const shift = this.offsets.get(ptr) ?? 0;
    this.offsets.delete(ptr);
    this.insertFree(ptr - shift, size);
  }

  /** Size in bytes of a live allocation (undefined if `ptr` is not one). */
  sizeOf(ptr: number): number | undefined {
    return this.live.get(ptr);
  }

  private capacity(bytes: number): CapacityError {
    return new CapacityError(
      `wasm32 memory is limited to 4 GiB: cannot allocate ${bytes} bytes with ${this.inUse} in use ` +
        '(use a smaller or more quantized model)',
      { field: 'bytes' },
    );
  }

  /** Grows the memory so that byte `end` is addressable. */
  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil((end - have) / PAGE_BYTES);
    // Grow geometrically (at least 1/8 more) to keep the number of growths small.
    const want = Math.max(pages, Math.ceil(have / PAGE_BYTES / 8));
    const havePages = have / PAGE_BYTES;
    const grow = Math.min(want, MAX_PAGES - havePages);
    try {
      this.memory.grow(Math.max(grow, pages));
    } catch (cause) {
      throw new CapacityError(`wasm memory could not grow to ${end} bytes (wasm32 limit is 4 GiB)`, {
        field: 'bytes',
        cause,
      });
    }
    this.onGrow();
  }

  private takeFree(size: number): number {
    const fs = this.freeStart;
    const fz = this.freeSize;
    for (let i = 0; i < fs.length; i++) {
      const s = fz[i]!;
      if (s < size) continue;
      const start = fs[i]!;
      if (s === size) {
        fs.splice(i, 1);
        fz.splice(i, 1);
      } else {
        fs[i] = start + size;
        fz[i] = s - size;
      }
      return start;
    }
    return -1;
  }

  private insertFree(start: number, size: number): void {
    const fs = this.freeStart;
    const fz = this.freeSize;
    let lo = 0;
    let hi = fs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (fs[mid]! < start) lo = mid + 1;
      else hi = mid;
    }
    fs.splice(lo, 0, start);
    fz.splice(lo, 0, size);
    // Coalesce with the next and previous blocks.
    if (lo + 1 < fs.length && start + size === fs[lo + 1]) {
      fz[lo] = fz[lo]! + fz[lo + 1]!;
      fs.splice(lo + 1, 1);
      fz.splice(lo + 1, 1);
    }
    if (lo > 0 && fs[lo - 1]! + fz[lo - 1]! === start) {
      fz[lo - 1] = fz[lo - 1]! + fz[lo]!;
      fs.splice(lo, 1);
      fz.splice(lo, 1);
    }
    // A free block touching the top returns to the bump region.
    const last = fs.length - 1;
    if (last >= 0 && fs[last]! + fz[last]! === this.top) {
      this.top = fs[last]!;
      fs.pop();
      fz.pop();
    }
  }
}
