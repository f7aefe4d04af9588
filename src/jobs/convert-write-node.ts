// Node-only streaming, atomic file writers for the convert and init jobs: the data goes to a
// temporary file in the target directory, is fsynced, then renamed over the target; on any error
// the temporary file is removed and the target is untouched.
import { type GgufKv, ggufLayout, padTo } from '../io/gguf/index.js';
import { safetensorsLayout } from '../io/safetensors/index.js';
import type { GgufOutTensor, HfOutTensor } from './convert-tensors.js';

export { writeFileAtomic } from '../io/write-node.js';

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
