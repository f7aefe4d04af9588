// Node-only test helper: quantizes every tensor of a golden F32 GGUF the way a golden quantized
// file (llama-quantize output) stores it and reports which tensors are byte-identical.
import { readFileSync } from 'node:fs';
import { MemorySource } from '../io/byte-source.js';
import { findTensor, type Gguf, type GgufTensorInfo, readGguf } from '../io/gguf/index.js';
import { GgmlType, rowBytes, typeName } from '../tensor/dtype.js';
import { dequantizeRow, quantizeRow } from './index.js';

export interface LoadedGguf {
  readonly bytes: Uint8Array;
  readonly g: Gguf;
}

export function loadGguf(path: string): LoadedGguf {
  const bytes = new Uint8Array(readFileSync(path));
  return { bytes, g: readGguf(new MemorySource(bytes, path)) };
}

/** A tensor's values as f32 (source tensors of the golden F32 files). */
export function f32Values(f: LoadedGguf, t: GgufTensorInfo): Float32Array {
  const out = new Float32Array(t.elements);
  dequantizeRow(GgmlType.F32, f.bytes, t.offset, out, 0, t.elements);
  return out;
}

export interface TensorCheck {
  readonly name: string;
  readonly type: GgmlType;
  readonly identical: boolean;
  readonly diffBytes: number;
  /** RMS error of the golden tensor's dequantized values relative to the source RMS. */
  readonly relRmse: number;
  /** The same for our quantization. */
  readonly ourRelRmse: number;
}

/** Quantizes each quantized tensor of `quant` from `src` and compares the bytes. */
export function checkAgainstGolden(src: LoadedGguf, quant: LoadedGguf): TensorCheck[] {
  const out: TensorCheck[] = [];
  for (const t of quant.g.tensors) {
    const s = findTensor(src.g, t.name);
    if (s === undefined) throw new Error(`${t.name} missing in the source`);
    const x = f32Values(src, s); // [rows, n]
    const n = t.shape[0]!;
    const rows = t.elements / n;
    const rb = rowBytes(t.type, n)!;
    const ours = new Uint8Array(rows * rb);
    for (let r = 0; r < rows; r++) quantizeRow(t.type, x, r * n, ours, r * rb, n);
    const ref = quant.bytes.subarray(t.offset, t.offset + t.byteLength);
    let diffBytes = 0;
    for (let i = 0; i < ref.length; i++) if (ref[i] !== ours[i]) diffBytes++;
    const dRef = new Float32Array(t.elements);
    const dOurs = new Float32Array(t.elements);
    dequantizeRow(t.type, quant.bytes, t.offset, dRef, 0, t.elements);
    dequantizeRow(t.type, ours, 0, dOurs, 0, t.elements);
    let sx = 0;
    let eRef = 0;
    let eOurs = 0;
    for (let i = 0; i < t.elements; i++) {
      sx += x[i]! * x[i]!;
      eRef += (dRef[i]! - x[i]!) ** 2;
      eOurs += (dOurs[i]! - x[i]!) ** 2;
    }
    out.push({
      name: t.name,
      type: t.type,
      identical: diffBytes === 0 && ref.length === ours.length,
      diffBytes,
      relRmse: sx > 0 ? Math.sqrt(eRef / sx) : 0,
      ourRelRmse: sx > 0 ? Math.sqrt(eOurs / sx) : 0,
    });
  }
  return out;
}

/** "q4_k 15/15" style summary of the quantized (non-F32) tensors. */
export function summary(checks: readonly TensorCheck[]): string {
  const q = checks.filter((c) => c.type !== GgmlType.F32);
  const byType = new Map<string, [number, number]>();
  for (const c of q) {
    const k = typeName(c.type);
    const v = byType.get(k) ?? [0, 0];
    byType.set(k, [v[0] + (c.identical ? 1 : 0), v[1] + 1]);
  }
  return [...byType].map(([k, [a, b]]) => `${k} ${a}/${b}`).join(', ');
}
