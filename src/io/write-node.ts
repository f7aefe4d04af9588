// Node-only: atomic file writes. Data goes to a temporary file in the target's folder, is
// fsynced, then renamed over the target, and the folder is fsynced; on any error the temporary
// file is removed and the target is untouched. A crash never leaves a half-written model,
// checkpoint or converted file under the final name.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

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

/** Writes `chunks` (or one buffer, or a UTF-8 string) to `path` atomically; returns the bytes written. */
export function writeFileAtomic(path: string, chunks: Iterable<Uint8Array> | Uint8Array | string): number {
  const rand = Math.floor(Math.random() * 0xffffffff).toString(36);
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${rand}`);
  const list =
    typeof chunks === 'string'
      ? [Buffer.from(chunks, 'utf8')]
      : chunks instanceof Uint8Array
        ? [chunks]
        : chunks;
  const fd = openSync(tmp, 'wx', 0o644);
  let total = 0;
  try {
    for (const chunk of list) {
      let done = 0;
      while (done < chunk.length) done += writeSync(fd, chunk, done, chunk.length - done);
      total += chunk.length;
    }
    fsyncSync(fd);
    closeSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDir(dirname(path));
  return total;
}
