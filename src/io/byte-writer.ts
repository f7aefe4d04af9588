// A growable little-endian byte buffer for writers.
import { encodeUtf8 } from './utf8.js';

export class ByteWriter {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private grow(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.grow(1);
    this.view.setUint8(this.length, v);
    this.length += 1;
  }
  i8(v: number): void {
    this.grow(1);
    this.view.setInt8(this.length, v);
    this.length += 1;
  }
  u16(v: number): void {
    this.grow(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
  }
  i16(v: number): void {
    this.grow(2);
    this.view.setInt16(this.length, v, true);
    this.length += 2;
  }
  u32(v: number): void {
    this.grow(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  i32(v: number): void {
    this.grow(4);
    this.view.setInt32(this.length, v, true);
    this.length += 4;
  }
  f32(v: number): void {
    this.grow(4);
    this.view.setFloat32(this.length, v, true);
    this.length += 4;
  }
  f64(v: number): void {
    this.grow(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
  }
  u64(v: bigint | number): void {
    this.grow(8);
    this.view.setBigUint64(this.length, BigInt(v), true);
    this.length += 8;
  }
  i64(v: bigint | number): void {
    this.grow(8);
    this.view.setBigInt64(this.length, BigInt(v), true);
    this.length += 8;
  }
  bytes(b: Uint8Array): void {
    this.grow(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  /** UTF-8 bytes without a length prefix. */
  utf8(s: string): void {
    this.bytes(encodeUtf8(s));
  }
  fill(value: number, n: number): void {
    this.grow(n);
    this.buf.fill(value, this.length, this.length + n);
    this.length += n;
  }
  /** The written bytes (a view; valid until the next write). */
  result(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

/**
 * Tensor bytes for writers: in memory, or produced on demand (`load()` is called once, when the
 * chunk is written), so converting a large model never holds all tensors at once.
 */
export type TensorBytes = Uint8Array | { readonly length: number; load(): Uint8Array };

/** The bytes of `d`, checked against the length it announced. */
export function loadTensorBytes(d: TensorBytes, name: string): Uint8Array {
  if (d instanceof Uint8Array) return d;
  const b = d.load();
  if (b.length !== d.length)
    throw new RangeError(`tensor '${name}': load() returned ${b.length} bytes, announced ${d.length}`);
  return b;
}
