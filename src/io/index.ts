// io/: file formats, all browser-safe. Parses and writes; never assembles models.
//
//   ByteSource / MemorySource / SliceSource   positional reads (Node files: byte-source-node.ts)
//   gguf.*          GGUF v2/v3 reader, writer, typed getters            (gguf/index.ts)
//   safetensors.*   safetensors reader, writer, sharded index, f16/bf16  (safetensors/index.ts;
//                   Node folder loader: safetensors/model-node.ts)
//   parseJson / parseJsonObject / JsonFields   JSON with limits (Node: json/json-node.ts)
//   readLlama2c     llama2.c .bin v0 checkpoints
//   detectFormat / refusePickle                 content sniffing; pickle is always refused
//   writeFileAtomic (write-node.ts)             temp file + fsync + rename
//
// Policies for hostile files (reliability.md §1):
// - every defect is a FormatError naming the field/tensor and the file; nothing is allocated
//   from a size declared in the file before that size is checked against the bytes that remain;
// - offsets and sizes are u64 values refused above 2^53 and handled with exact arithmetic (no
//   32-bit bitwise maths); element counts and byte sizes are checked for overflow;
// - UTF-8: names (GGUF keys, tensor names, safetensors headers, JSON files) are strict; GGUF
//   string values are decoded with U+FFFD for invalid sequences (see utf8.ts);
// - JSON: duplicate keys and excessive nesting are refused before JSON.parse; objects are read
//   through own properties only (no prototype pollution).
export * from './byte-source.js';
export * from './detect.js';
export * as gguf from './gguf/index.js';
export * from './json/index.js';
export * from './llama2c/index.js';
export * as safetensors from './safetensors/index.js';
