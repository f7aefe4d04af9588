// Node-only byte source over a file: positional `fs.readSync` in bounded chunks. `readInto`
// reads straight into the destination (for example a view of WASM memory), so large tensors are
// never copied twice. A file that shrinks after it was opened gives a FormatError, not a crash.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { FormatError } from '../errors.js';
import { type ByteSource, checkRange } from './byte-source.js';

/** Largest single `readSync` call (Node caps one read at 2 GiB). */
const CHUNK = 64 * 1024 * 1024;

export class FileSource implements ByteSource {
  readonly name: string;
  readonly size: number;
  private fd: number | undefined;

  constructor(path: string) {
    this.name = path;
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
  }

  read(offset: number, length: number): Uint8Array {
    checkRange(this.name, this.size, offset, length);
    const out = new Uint8Array(length);
    this.readInto(offset, out);
    return out;
  }

  readInto(offset: number, dst: Uint8Array): void {
    checkRange(this.name, this.size, offset, dst.length);
    if (this.fd === undefined) throw new FormatError(`${this.name}: file is closed`, { file: this.name });
    let done = 0;
    while (done < dst.length) {
      const n = Math.min(CHUNK, dst.length - done);
      const got = readSync(this.fd, dst, done, n, offset + done);
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
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Opens a file as a byte source. Call `close()` when done. */
export function openFileSource(path: string): FileSource {
  return new FileSource(path);
}
