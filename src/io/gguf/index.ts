// GGUF v2/v3: reader, writer and typed metadata getters.
//
// API:
//   readGguf(src: ByteSource, options?): Gguf
//     Gguf { file, version, metadata: Map<key, {type: GgufValueType, value}>, tensors, alignment,
//            dataOffset, fileSize }
//     GgufTensorInfo { name, type: GgmlType, shape (ne order: shape[0] = row length), elements,
//                      offset (absolute in the file), byteLength }
//     Values: number (8/16/32-bit ints, floats), bigint (UINT64/INT64), boolean, string (lenient
//     UTF-8, see ../utf8.ts), GgufArray { itemType, values } with typed arrays for numeric items
//     (BOOL items: Uint8Array of 0/1), string[] or GgufArray[] (nesting depth capped).
//   readTensorData(src, tensorInfo, dst?): raw bytes of one tensor, optionally straight into dst.
//   getString / getBool / getU32 / getF32 / getInt / getFloat / getArray / getStringArray /
//   getF32Array / getI32Array / hasKey / findTensor / getTensor: FormatError naming the key.
//   writeGguf(spec): Uint8Array, ggufChunks(spec): chunks for streaming, ggufLayout(spec).
// Every defect in a file is a FormatError naming the field, raised before any allocation sized
// by the file (see reliability.md §1.3).
export * from './getters.js';
export { GGUF_MAX_DIMS, GGUF_MAX_NAME_BYTES, padTo, type ReadGgufOptions, readGguf } from './read.js';
export * from './types.js';
export * from './write.js';
