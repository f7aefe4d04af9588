// A bounds-checked little-endian reader over a ByteSource, with a small read-ahead window so
// that headers made of many tiny fields cost few source reads. Every read checks the remaining
// bytes first; nothing is allocated from a declared size before that size is checked.
import { FormatError } from '../errors.js';
import type { ByteSource } from './byte-source.js';

const WINDOW = 64 * 1024;

export class Cursor {
  pos: number;
  private buf: Uint8Array = new Uint8Array(0);
  private view: DataView = new DataView(new ArrayBuffer(0));
  private bufStart = 0;

  constructor(
    readonly src: ByteSource,
    pos = 0,
  ) {
    this.pos = pos;
  }

  get remaining(): number {
    return this.src.size - this.pos;
  }

  /** Throws a FormatError naming `what` unless `n` more bytes exist. */
  need(n: number, what: string): void {
    if (!Number.isSafeInteger(n) || n < 0 || n > this.remaining) {
      throw new FormatError(
        `${this.src.name}: ${what} needs ${n} bytes at offset ${this.pos} but only ${Math.max(0, this.remaining)} remain (truncated or corrupt file)`,
        { field: what, file: this.src.name, offset: this.pos },
      );
    }
  }

  /** Makes bytes [pos, pos+n) available in the window (n <= WINDOW) and returns their index in it. */
  private ensure(n: number, what: string): number {
    this.need(n, what);
    const rel = this.pos - this.bufStart;
    if (rel >= 0 && rel + n <= this.buf.length) return rel;
    const len = Math.min(Math.max(WINDOW, n), this.remaining);
    this.buf = this.src.read(this.pos, len);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.bufStart = this.pos;
    return 0;
  }

  u8(what: string): number {
    const i = this.ensure(1, what);
    this.pos += 1;
    return this.buf[i]!;
  }
  i8(what: string): number {
    const i = this.ensure(1, what);
    this.pos += 1;
    return this.view.getInt8(i);
  }
  u16(what: string): number {
    const i = this.ensure(2, what);
    this.pos += 2;
    return this.view.getUint16(i, true);
  }
  i16(what: string): number {
    const i = this.ensure(2, what);
    this.pos += 2;
    return this.view.getInt16(i, true);
  }
  u32(what: string): number {
    const i = this.ensure(4, what);
    this.pos += 4;
    return this.view.getUint32(i, true);
  }
  i32(what: string): number {
    const i = this.ensure(4, what);
    this.pos += 4;
    return this.view.getInt32(i, true);
  }
  f32(what: string): number {
    const i = this.ensure(4, what);
    this.pos += 4;
    return this.view.getFloat32(i, true);
  }
  f64(what: string): number {
    const i = this.ensure(8, what);
    this.pos += 8;
    return this.view.getFloat64(i, true);
  }
  u64(what: string): bigint {
    const i = this.ensure(8, what);
    this.pos += 8;
    return this.view.getBigUint64(i, true);
  }
  i64(what: string): bigint {
    const i = this.ensure(8, what);
    this.pos += 8;
    return this.view.getBigInt64(i, true);
  }

  /**
   * A u64 as a number without BigInt cost: exact below 2^53, Infinity at or above it (so any
   * comparison against a size refuses it).
   */
  u64Num(what: string): number {
    const i = this.ensure(8, what);
    this.pos += 8;
    const lo = this.view.getUint32(i, true);
    const hi = this.view.getUint32(i + 4, true);
    return hi >= 0x200000 ? Number.POSITIVE_INFINITY : hi * 0x100000000 + lo;
  }

  /** A u64 used as a size or count: must be a safe integer. */
  u64Size(what: string): number {
    const at = this.pos;
    const v = this.u64(what);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new FormatError(`${this.src.name}: ${what} = ${v} is too large`, {
        field: what,
        file: this.src.name,
        offset: at,
      });
    }
    return Number(v);
  }

  /** `n` raw bytes (n already validated by the caller against its caps). */
  bytes(n: number, what: string): Uint8Array {
    if (n <= WINDOW) {
      const i = this.ensure(n, what);
      this.pos += n;
      return this.buf.subarray(i, i + n);
    }
    this.need(n, what);
    const out = this.src.read(this.pos, n);
    this.pos += n;
    return out;
  }

  /** Fills `dst` from the current position. */
  readInto(dst: Uint8Array, what: string): void {
    this.need(dst.length, what);
    const rel = this.pos - this.bufStart;
    if (rel >= 0 && rel + dst.length <= this.buf.length) dst.set(this.buf.subarray(rel, rel + dst.length));
    else this.src.readInto(this.pos, dst);
    this.pos += dst.length;
  }
}
