// safetensors: reader (validated header), writer, sharded index, float conversion.
//
// API:
//   readSafetensors(src: ByteSource, options?): Safetensors
//     Safetensors { file, headerSize, dataOffset, metadata: Map<string, string>, tensors, fileSize }
//     SafetensorsTensorInfo { name, dtype, shape (row-major, as in the file), elements,
//                             offset (absolute), byteLength }; tensors are in data order.
//   findTensor(st, name), readTensorBytes(src, info, dst?)
//   toFloat32(dtype, bytes, elements): F32/F16/BF16/F64 to Float32Array
//   writeSafetensors(tensors, metadata?) / safetensorsChunks / safetensorsLayout
//   parseSafetensorsIndex(text, file?): { metadata, weightMap, shards } (plain shard names only)
// Policies: the header must start with '{' (trailing spaces allowed); duplicate keys, numbers that
// are not plain non-negative safe integers, gaps, overlaps and trailing bytes are FormatErrors;
// zero-size tensors may share an offset (they alias no data).
import { allocBytes, type ByteSource } from '../byte-source.js';
import type { Safetensors, SafetensorsTensorInfo } from './read.js';

export * from './convert.js';
export * from './dtype.js';
export * from './read.js';
export * from './sharded.js';
export * from './write.js';

export function findTensor(st: Safetensors, name: string): SafetensorsTensorInfo | undefined {
  for (const t of st.tensors) if (t.name === name) return t;
  return undefined;
}

/** Raw bytes of one tensor; with `dst` (length = byteLength), straight into it. */
export function readTensorBytes(src: ByteSource, t: SafetensorsTensorInfo, dst?: Uint8Array): Uint8Array {
  const out = dst ?? allocBytes(t.byteLength, t.name, src.name);
  if (out.length !== t.byteLength) {
    throw new RangeError(
      `readTensorBytes: destination has ${out.length} bytes, tensor '${t.name}' has ${t.byteLength}`,
    );
  }
  src.readInto(t.offset, out);
  return out;
}
