// Buffers and weights of the WASM backend: byte ranges of the shared WebAssembly.Memory.

import { ShapeError, UsageError } from '../../errors.js';
import type { GgmlType } from '../../tensor/dtype.js';
import type { Buf, Weight } from '../backend.js';

export class WasmBuf implements Buf {
  /**
   * @param ptr byte address in wasm memory
   * @param bytes size in bytes
   * @param owner the allocation this is a view of (itself for a whole allocation)
   */
  constructor(
    readonly ptr: number,
    readonly bytes: number,
    readonly owner: WasmBuf | null = null,
  ) {}

  /** True for a whole allocation (freeing it releases memory), false for a view. */
  get isAllocation(): boolean {
    return this.owner === null;
  }
  freed = false;
}

/** A weight in wasm memory. Quantized kernels may repack; `layout` names their layout. */
export interface WasmWeight extends Weight {
  readonly type: GgmlType;
  readonly rows: number;
  readonly cols: number;
  readonly buf: WasmBuf;
  readonly layout?: string;
}

export function asWasm(b: Buf, what: string): WasmBuf {
  if (!(b instanceof WasmBuf))
    throw new UsageError(`${what}: not a buffer of this WASM backend`, { field: what });
  const root = b.owner ?? b;
  if (root.freed) throw new UsageError(`${what}: buffer was freed`, { field: what });
  return b;
}

/** Checks that `elems` f32 elements starting at element `off` fit in `b`; returns the byte address. */
export function f32At(b: Buf, off: number, elems: number, op: string, what: string): number {
  const w = asWasm(b, `${op}.${what}`);
  if (!Number.isInteger(off) || off < 0 || !Number.isInteger(elems) || elems < 0) {
    throw new ShapeError(`${op}: ${what} offset ${off} / size ${elems} must be non-negative integers`, {
      field: what,
    });
  }
  if ((off + elems) * 4 > w.bytes) {
    throw new ShapeError(
      `${op}: ${what} needs ${(off + elems) * 4} bytes (offset ${off}), buffer has ${w.bytes}`,
      {
        field: what,
      },
    );
  }
  return w.ptr + off * 4;
}

export function checkDim(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) {
    throw new ShapeError(`${op}: ${name} = ${v} is not a valid size`, { field: name });
  }
}
