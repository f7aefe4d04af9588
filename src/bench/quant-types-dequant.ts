// For `llmts bench quant-types`: a copy of a quantized GGUF with every quantized tensor decoded
// to F32 (the exact values the quantized weights stand for), streamed one tensor at a time. It
// lets the perplexity of a type without a WASM kernel (q4_1, q5_0, q5_1) be measured at WASM
// speed: the weight error is the quantized file's, only the activations stay f32 (the quantized
// kernels round them to 8 bits, which adds a little).
import { closeSync, openSync, writeSync } from 'node:fs';
import { UnsupportedError } from '../errors.js';
import { openFileSource } from '../io/byte-source-node.js';
import { type GgufKv, GgufValueType, ggufChunks, readGguf, readTensorData } from '../io/gguf/index.js';
import { canDequantize, dequantizeRow } from '../quant/index.js';
import { GgmlType, rowBytes, typeName, typeTraits } from '../tensor/dtype.js';

/** Writes `outPath`: `inPath` with its quantized tensors as F32 (general.file_type = 0). */
export function writeDequantized(inPath: string, outPath: string): void {
  const src = openFileSource(inPath);
  let fd: number | undefined;
  try {
    const g = readGguf(src);
    const metadata: [string, GgufKv][] = [...g.metadata].map(([k, v]) =>
      k === 'general.file_type' ? [k, { type: GgufValueType.UINT32, value: 0 }] : [k, v],
    );
    const tensors = g.tensors.map((t) => {
      if (!typeTraits(t.type).quantized)
        return {
          name: t.name,
          type: t.type,
          shape: t.shape,
          data: { length: t.byteLength, load: () => readTensorData(src, t) },
        };
      if (!canDequantize(t.type)) {
        throw new UnsupportedError(
          `${inPath}: tensor '${t.name}' is ${typeName(t.type)}, which cannot be decoded`,
          {
            field: t.name,
            file: inPath,
          },
        );
      }
      const load = (): Uint8Array => {
        const n = t.shape[0] ?? 1;
        const rows = n > 0 ? t.elements / n : 0;
        const inRow = rowBytes(t.type, n)!;
        const bytes = readTensorData(src, t);
        const f32 = new Float32Array(t.elements); // [rows, n]
        for (let r = 0; r < rows; r++) dequantizeRow(t.type, bytes, r * inRow, f32, r * n, n);
        return new Uint8Array(f32.buffer);
      };
      return { name: t.name, type: GgmlType.F32, shape: t.shape, data: { length: t.elements * 4, load } };
    });
    fd = openSync(outPath, 'w');
    for (const chunk of ggufChunks({ metadata, tensors })) {
      let off = 0;
      while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
    }
  } finally {
    if (fd !== undefined) closeSync(fd);
    src.close();
  }
}
