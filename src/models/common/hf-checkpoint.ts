// Hugging Face safetensors (single file or sharded) as a Checkpoint. Float dtypes map to GGML
// types (F32, F16, BF16; F64 is narrowed to F32 on read); other dtypes are refused when used.
import { FormatError, UnsupportedError } from '../../errors.js';
import type { ByteSource } from '../../io/byte-source.js';
import type { Safetensors, SafetensorsTensorInfo } from '../../io/safetensors/index.js';
import { GgmlType } from '../../tensor/dtype.js';
import type { Checkpoint, TensorEntry } from './checkpoint.js';

const DTYPES: Readonly<Record<string, GgmlType>> = {
  F32: GgmlType.F32,
  F16: GgmlType.F16,
  BF16: GgmlType.BF16,
};

/** F64 values narrowed per read (1 MiB of f64). */
const F64_CHUNK = 131072;

function entry(t: SafetensorsTensorInfo, src: ByteSource): TensorEntry {
  const type = DTYPES[t.dtype];
  if (type !== undefined) {
    return {
      name: t.name,
      type,
      shape: t.shape,
      byteLength: t.byteLength,
      readInto: (dst) => src.readInto(t.offset, dst),
    };
  }
  if (t.dtype === 'F64') {
    return {
      name: t.name,
      type: GgmlType.F32,
      shape: t.shape,
      byteLength: t.elements * 4,
      readInto(dst: Uint8Array): void {
        // Narrowed in bounded chunks: no temporary the size of the tensor.
        const chunk = Math.min(t.elements, F64_CHUNK);
        const raw = new Uint8Array(chunk * 8);
        const dv = new DataView(raw.buffer);
        const out = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
        for (let i0 = 0; i0 < t.elements; i0 += chunk) {
          const n = Math.min(chunk, t.elements - i0);
          src.readInto(t.offset + i0 * 8, raw.subarray(0, n * 8));
          for (let i = 0; i < n; i++) out.setFloat32((i0 + i) * 4, dv.getFloat64(i * 8, true), true);
        }
      },
    };
  }
  return {
    name: t.name,
    type: GgmlType.F32,
    shape: t.shape,
    byteLength: t.elements * 4,
    readInto(): void {
      throw new UnsupportedError(
        `${src.name}: tensor '${t.name}' has dtype ${t.dtype}; only float weights load`,
        {
          field: t.name,
          file: src.name,
        },
      );
    },
  };
}

/** Builds a checkpoint over one or more parsed safetensors files (each with its source). */
export function hfCheckpoint(
  files: readonly { st: Safetensors; src: ByteSource }[],
  name: string,
): Checkpoint {
  const map = new Map<string, TensorEntry>();
  for (const { st, src } of files) {
    for (const t of st.tensors) {
      if (map.has(t.name)) {
        throw new FormatError(`${st.file}: tensor '${t.name}' appears in two shards`, {
          field: t.name,
          file: st.file,
        });
      }
      map.set(t.name, entry(t, src));
    }
  }
  return {
    format: 'hf',
    file: name,
    get(n: string): TensorEntry | undefined {
      // Some GPT-2 checkpoints store names without the `transformer.` prefix.
      return map.get(n) ?? (n.startsWith('transformer.') ? map.get(n.slice(12)) : undefined);
    },
    names: () => map.keys(),
  };
}
