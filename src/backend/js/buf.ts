// Memory of the JS reference backend: a `JsBuf` is a typed-array window on an ArrayBuffer.
// Offsets and sizes at the interface are in f32 elements (4 bytes each). In float64 mode the
// element storage is a Float64Array (8 bytes per element) while `bytes` still counts 4 per
// element, so callers see the same sizes in both modes.

import { ShapeError, UsageError } from '../../errors.js';
import type { Buf } from '../backend.js';

/** Element storage of activations: f32 normally, f64 in float64 mode. */
export type FArr = Float32Array | Float64Array;

/** Shared by an allocation and all its views, so a freed allocation invalidates its views. */
export interface BufRoot {
  freed: boolean;
  readonly owner: object;
}

export class JsBuf implements Buf {
  /** Size in bytes as the interface counts them (4 per f32 element). */
  readonly bytes: number;
  /** The elements of this buffer (a subarray: index 0 is this buffer's first element). */
  readonly data: FArr;
  /** Raw bytes of the buffer (f32 mode and weights only; null for float64 activations). */
  readonly u8: Uint8Array | null;
  readonly root: BufRoot;

  constructor(bytes: number, data: FArr, u8: Uint8Array | null, root: BufRoot) {
    this.bytes = bytes;
    this.data = data;
    this.u8 = u8;
    this.root = root;
  }

  /** Number of whole f32 elements. */
  get length(): number {
    return this.data.length;
  }
}

/** Throws unless `v` is a non-negative safe integer. */
export function checkCount(op: string, name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new ShapeError(`${op}: ${name} must be a non-negative integer, got ${v}`, { field: name });
  }
}

/** Throws unless `v` is a positive safe integer. */
export function checkPositive(op: string, name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v <= 0) {
    throw new ShapeError(`${op}: ${name} must be a positive integer, got ${v}`, { field: name });
  }
}

/** Throws a ShapeError unless `buf` holds at least `needed` elements. */
export function need(op: string, name: string, buf: JsBuf, needed: number, what?: string): void {
  if (buf.length < needed) {
    const detail = what === undefined ? '' : ` (${what})`;
    throw new ShapeError(`${op}: ${name} holds ${buf.length} f32 elements but needs ${needed}${detail}`, {
      field: name,
    });
  }
}

/** Elements spanned by `rows` rows of `cols` elements with row stride `ld`, starting at 0. */
export function extent2d(rows: number, cols: number, ld: number): number {
  return rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
}

/** Throws unless `buf` is a live buffer of `owner`. */
export function own(op: string, owner: object, buf: Buf): JsBuf {
  if (!(buf instanceof JsBuf) || buf.root.owner !== owner) {
    throw new UsageError(`${op}: the buffer does not belong to this backend`);
  }
  if (buf.root.freed) throw new UsageError(`${op}: the buffer was freed`);
  return buf;
}
