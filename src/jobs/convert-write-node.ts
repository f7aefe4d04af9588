// Node-only streaming, atomic file writers for the convert and init jobs: the data goes to a
// temporary file in the target directory, is fsynced, then renamed over the target; on any error
// the temporary file is removed and the target is untouched.
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type GgufKv, ggufLayout, padTo } from '../io/gguf/index.js';
import { safetensorsLayout } from '../io/safetensors/index.js';
import type { GgufOutTensor, HfOutTensor } from './convert-tensors.js';

/** Writes `chunks` to `path` atomically (temp file + fsync + rename). */
export function writeFileAtomic(path: string, chunks: Iterable<Uint8Array>): void {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now()}`);
  const fd = openSync(tmp, 'wx');
  let closed = false;
  try {
    for (const c of chunks) {
      let done = 0;
      while (done < c.length) done += writeSync(fd, c, done, c.length - done);
    }
    fsyncSync(fd);
    closeSync(fd);
    closed = true;
    renameSync(tmp, path);
  } catch (e) {
    if (!closed) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw e;
  }
}

/** A stand-in for tensor data when only the length matters (the layout functions read `.length`). */
function lengthOnly(n: number): Uint8Array {
  return { length: n } as unknown as Uint8Array;
}

/** GGUF file chunks: header, then each tensor produced on demand and padded to the alignment. */
export function* ggufFileChunks(
  metadata: readonly [string, GgufKv][],
  tensors: readonly GgufOutTensor[],
): Generator<Uint8Array> {
  const layout = ggufLayout({
    metadata,
    tensors: tensors.map((t) => ({
      name: t.name,
      type: t.type,
      shape: t.shape,
      data: lengthOnly(t.byteLength),
    })),
  });
  yield layout.header;
  for (const t of tensors) {
    const data = t.produce();
    if (data.length !== t.byteLength)
      throw new RangeError(`tensor '${t.name}' produced ${data.length} bytes, expected ${t.byteLength}`);
    yield data;
    const pad = padTo(t.byteLength, layout.alignment) - t.byteLength;
    if (pad > 0) yield new Uint8Array(pad);
  }
}

/** safetensors file chunks (tensors sorted by name, produced on demand). */
export function* safetensorsFileChunks(
  tensors: readonly HfOutTensor[],
  metadata: Record<string, string>,
): Generator<Uint8Array> {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const layout = safetensorsLayout(
    tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: lengthOnly(t.byteLength) })),
    metadata,
  );
  yield layout.header;
  for (const o of layout.order) {
    const t = byName.get(o.name)!;
    const data = t.produce();
    if (data.length !== t.byteLength)
      throw new RangeError(`tensor '${t.name}' produced ${data.length} bytes, expected ${t.byteLength}`);
    if (data.length > 0) yield data;
  }
}
