// Atomic file writes (Node-only): write to a temporary file in the same directory, fsync, then
// rename over the target and fsync the directory. A crash or an error leaves either the old
// file or the new one, never a half-written file; the temporary file is removed on error.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

function tempName(path: string): string {
  const rand = Math.floor(Math.random() * 0xffffffff).toString(16);
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${rand}`);
}

/** Fsyncs a directory so a rename inside it is durable (ignored where unsupported). */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms cannot open or fsync directories; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes `chunks` to `path` atomically. */
export function writeFileAtomic(path: string, chunks: Iterable<Uint8Array> | Uint8Array | string): void {
  const tmp = tempName(path);
  const fd = openSync(tmp, 'wx', 0o644);
  let ok = false;
  try {
    const list =
      typeof chunks === 'string'
        ? [Buffer.from(chunks, 'utf8')]
        : chunks instanceof Uint8Array
          ? [chunks]
          : chunks;
    for (const chunk of list) {
      let off = 0;
      while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
    }
    fsyncSync(fd);
    ok = true;
  } finally {
    closeSync(fd);
    if (!ok) {
      try {
        unlinkSync(tmp);
      } catch {
        // already gone
      }
    }
  }
  try {
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDir(dirname(path));
}
