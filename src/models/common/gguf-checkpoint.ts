// A GGUF file as a Checkpoint (tensor bytes read straight from the source on demand).
import type { ByteSource } from '../../io/byte-source.js';
import type { Gguf } from '../../io/gguf/index.js';
import type { Checkpoint, TensorEntry } from './checkpoint.js';

export function ggufCheckpoint(g: Gguf, src: ByteSource): Checkpoint {
  const map = new Map<string, TensorEntry>();
  for (const t of g.tensors) {
    map.set(t.name, {
      name: t.name,
      type: t.type,
      // GGUF ne order → row-major (outermost first).
      shape: [...t.shape].reverse(),
      byteLength: t.byteLength,
      readInto(dst: Uint8Array): void {
        src.readInto(t.offset, dst);
      },
    });
  }
  return {
    format: 'gguf',
    file: g.file,
    get: (name) => map.get(name),
    names: () => map.keys(),
  };
}
