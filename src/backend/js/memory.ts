// Buffer memory of the JS backend: allocation, views and byte/element transfers. In float64
// mode a Float32Array or Float64Array gives element values (n elements count as 4n bytes) and
// any other view is read or written as little-endian f32 bytes.

import { CapacityError, ShapeError } from '../../errors.js';
import { type BufRoot, checkCount, JsBuf } from './buf.js';

/** A new buffer of `bytes` bytes (bytes/4 elements, f32 or f64 storage) owned by `owner`. */
export function allocBuf(owner: object, float64: boolean, bytes: number): JsBuf {
  checkCount('alloc', 'bytes', bytes);
  const n = Math.floor(bytes / 4);
  const root: BufRoot = { freed: false, owner };
  try {
    if (float64) return new JsBuf(bytes, new Float64Array(n), null, root);
    const ab = new ArrayBuffer(n * 4 + (bytes % 4));
    return new JsBuf(bytes, new Float32Array(ab, 0, n), new Uint8Array(ab), root);
  } catch (e) {
    throw new CapacityError(`alloc: cannot allocate ${bytes} bytes`, { cause: e });
  }
}

/** A window of `bytes` bytes at `byteOffset` (a multiple of 4) sharing src's storage. */
export function viewBuf(src: JsBuf, byteOffset: number, bytes: number): JsBuf {
  checkCount('view', 'byteOffset', byteOffset);
  checkCount('view', 'bytes', bytes);
  if (byteOffset % 4 !== 0) {
    throw new ShapeError(`view: byteOffset ${byteOffset} is not a multiple of 4 (f32 elements)`, {
      field: 'byteOffset',
    });
  }
  if (byteOffset + bytes > src.bytes) {
    throw new ShapeError(`view: ${byteOffset} + ${bytes} bytes exceed the buffer's ${src.bytes} bytes`, {
      field: 'bytes',
    });
  }
  const e0 = byteOffset / 4;
  const data = src.data.subarray(e0, e0 + Math.floor(bytes / 4));
  const u8 = src.u8 === null ? null : src.u8.subarray(byteOffset, byteOffset + bytes);
  return new JsBuf(bytes, data, u8, src.root);
}

/**
 * Copies bytes in. In float64 mode a Float32Array or Float64Array source gives element values
 * (n elements count as 4n bytes) and any other view is read as little-endian f32 bytes.
 */
export function writeBuf(d: JsBuf, src: ArrayBufferView, dstByteOffset: number): void {
  checkCount('write', 'dstByteOffset', dstByteOffset);
  const values = d.u8 === null && (src instanceof Float32Array || src instanceof Float64Array);
  const bytes = values ? (src as Float32Array | Float64Array).length * 4 : src.byteLength;
  if (dstByteOffset + bytes > d.bytes) {
    throw new ShapeError(
      `write: ${bytes} bytes at offset ${dstByteOffset} exceed the buffer's ${d.bytes} bytes`,
      {
        field: 'dstByteOffset',
      },
    );
  }
  if (d.u8 !== null) {
    d.u8.set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength), dstByteOffset);
    return;
  }
  const e0 = elementOffset('write', dstByteOffset, bytes);
  if (src instanceof Float32Array || src instanceof Float64Array) {
    d.data.set(src, e0);
    return;
  }
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  for (let i = 0; i < bytes; i += 4) d.data[e0 + i / 4] = dv.getFloat32(i, true);
}

/** Copies bytes out; in float64 mode the mirror image of `write`. */
export function readBuf(s: JsBuf, dst: ArrayBufferView, srcByteOffset: number): void {
  checkCount('read', 'srcByteOffset', srcByteOffset);
  const values = s.u8 === null && (dst instanceof Float32Array || dst instanceof Float64Array);
  const bytes = values ? (dst as Float32Array | Float64Array).length * 4 : dst.byteLength;
  if (srcByteOffset + bytes > s.bytes) {
    throw new ShapeError(
      `read: ${bytes} bytes at offset ${srcByteOffset} exceed the buffer's ${s.bytes} bytes`,
      {
        field: 'srcByteOffset',
      },
    );
  }
  if (s.u8 !== null) {
    new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength).set(
      s.u8.subarray(srcByteOffset, srcByteOffset + bytes),
    );
    return;
  }
  const e0 = elementOffset('read', srcByteOffset, bytes);
  if (dst instanceof Float32Array || dst instanceof Float64Array) {
    dst.set(s.data.subarray(e0, e0 + dst.length));
    return;
  }
  const dv = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
  for (let i = 0; i < bytes; i += 4) dv.setFloat32(i, s.data[e0 + i / 4], true);
}

function elementOffset(op: string, byteOffset: number, bytes: number): number {
  if (byteOffset % 4 !== 0 || bytes % 4 !== 0) {
    throw new ShapeError(
      `${op}: ${bytes} bytes at offset ${byteOffset} are not whole f32 elements (float64 mode)`,
    );
  }
  return byteOffset / 4;
}
