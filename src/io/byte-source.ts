// Byte sources: positional, synchronous reads from a file or a buffer. Browser-safe (the Node
// file implementation is in byte-source-node.ts). Every parser in io/ reads through this
// interface, so a hostile file can never make a parser read past its end or allocate more than
// what it asks for.
import { CapacityError, FormatError } from '../errors.js';

export interface ByteSource {
  /** A name for error messages (usually the file path). */
  readonly name: string;
  /** Total size in bytes (a safe integer). */
  readonly size: number;
  /**
   * Returns exactly `length` bytes starting at `offset`. The result may be a view of internal
   * storage: callers must not modify it. Throws FormatError when the range is outside the source.
   */
  read(offset: number, length: number): Uint8Array;
  /** Fills `dst` with the bytes at `offset` (straight into `dst`, no intermediate copy). */
  readInto(offset: number, dst: Uint8Array): void;
}

/** Throws FormatError unless [offset, offset + length) lies inside a source of `size` bytes. */
export function checkRange(name: string, size: number, offset: number, length: number): void {
  if (
    !Number.isSafeInteger(offset) ||
    !Number.isSafeInteger(length) ||
    offset < 0 ||
    length < 0 ||
    offset > size ||
    length > size - offset
  ) {
    throw new FormatError(
      `${name}: read of ${length} bytes at offset ${offset} is outside the file (${size} bytes); the file is truncated or corrupt`,
      { file: name, offset },
    );
  }
}

/** A byte source over memory. `read` returns views (no copy). */
export class MemorySource implements ByteSource {
  readonly name: string;
  readonly size: number;
  readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array, name = '<memory>') {
    this.bytes = bytes;
    this.name = name;
    this.size = bytes.length;
  }

  read(offset: number, length: number): Uint8Array {
    checkRange(this.name, this.size, offset, length);
    return this.bytes.subarray(offset, offset + length);
  }

  readInto(offset: number, dst: Uint8Array): void {
    checkRange(this.name, this.size, offset, dst.length);
    dst.set(this.bytes.subarray(offset, offset + dst.length));
  }
}

/** A window [start, start + size) of another source, seen as a source of its own. */
export class SliceSource implements ByteSource {
  readonly name: string;
  readonly size: number;

  constructor(
    private readonly inner: ByteSource,
    private readonly start: number,
    size: number,
  ) {
    checkRange(inner.name, inner.size, start, size);
    this.name = inner.name;
    this.size = size;
  }

  read(offset: number, length: number): Uint8Array {
    checkRange(this.name, this.size, offset, length);
    return this.inner.read(this.start + offset, length);
  }

  readInto(offset: number, dst: Uint8Array): void {
    checkRange(this.name, this.size, offset, dst.length);
    this.inner.readInto(this.start + offset, dst);
  }
}

/** Reads a whole (small) source into a fresh array. */
export function readAll(src: ByteSource): Uint8Array {
  const out = new Uint8Array(src.size);
  src.readInto(0, out);
  return out;
}

/**
 * Allocates a byte buffer for `what`, turning the runtime's RangeError (above its typed-array
 * limit, or out of memory) into a CapacityError naming it.
 */
export function allocBytes(n: number, what: string, file?: string): Uint8Array {
  try {
    return new Uint8Array(n);
  } catch (e) {
    throw new CapacityError(`cannot allocate ${n} bytes for ${what}: ${(e as Error).message}`, {
      field: what,
      file,
      cause: e,
    });
  }
}
