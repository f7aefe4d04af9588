// The tensors of an opened checkpoint, re-expressed for another container:
//   toGgufTensors: canonical GGUF names, GGUF layout (Q/K rows permuted for llama, Conv1D
//     transposed), F32/F16/BF16 kept, 1-D tensors as F32; tied GPT-2 gets an output.weight copy
//     (llama.cpp's gpt2 loader requires it); Llama-3 rope scaling becomes rope_freqs.weight.
//   toHfTensors: HF names and layout (inverse transforms); quantized GGUF tensors are
//     dequantized to F32 (safetensors has no block formats); a tied head is omitted.
// Each tensor is produced on demand, so a job holds one tensor at a time.
import { UnsupportedError } from '../errors.js';
import type { SafetensorsDtype } from '../io/safetensors/index.js';
import { permuteRows, type SourceRef, TensorReader, transposeBytes } from '../models/common/weights.js';
import type { OpenCheckpoint } from '../models/loader.js';
import { dequantizeRow } from '../quant/index.js';
import { GgmlType, typeName, typeTraits } from '../tensor/dtype.js';

export interface GgufOutTensor {
  name: string;
  type: GgmlType;
  /** GGUF ne order (shape[0] = row length). */
  shape: number[];
  byteLength: number;
  produce(): Uint8Array;
}

export interface HfOutTensor {
  name: string;
  dtype: SafetensorsDtype;
  /** Row-major shape. */
  shape: number[];
  byteLength: number;
  produce(): Uint8Array;
}

const PLAIN = new Set([GgmlType.F32, GgmlType.F16, GgmlType.BF16]);

function f32Bytes(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Canonical names to export: the family's list, plus any other canonical tensor present. */
function namesToExport(oc: OpenCheckpoint, reader: TensorReader): string[] {
  return oc.family.tensorNames(oc.config).filter((n) => reader.has(n));
}

export function toGgufTensors(oc: OpenCheckpoint): GgufOutTensor[] {
  const reader = new TensorReader(oc.ckpt, oc.names);
  const out: GgufOutTensor[] = [];
  for (const name of namesToExport(oc, reader)) {
    const e = reader.source(name)!;
    const ref = oc.names(name)!;
    if (e.shape.length === 1 || e.shape.filter((d) => d !== 1).length <= 1) {
      const n = e.shape.reduce((a, b) => a * b, 1);
      out.push({
        name,
        type: GgmlType.F32,
        shape: [n],
        byteLength: n * 4,
        produce: () => f32Bytes(reader.vectorF32(name, n)),
      });
      continue;
    }
    if (e.shape.length !== 2) {
      throw new UnsupportedError(`${oc.ckpt.file}: tensor '${e.name}' has ${e.shape.length} dimensions`, {
        field: e.name,
        file: oc.ckpt.file,
      });
    }
    const [rows, cols] =
      ref.transform.kind === 'transpose' ? [e.shape[1]!, e.shape[0]!] : [e.shape[0]!, e.shape[1]!];
    out.push({
      name,
      type: e.type,
      shape: [cols, rows],
      byteLength: e.byteLength,
      produce: () => reader.rawMatrix(name, rows, cols).bytes,
    });
  }
  const c = oc.config;
  if (oc.family.id === 'gpt2' && !out.some((t) => t.name === 'output.weight')) {
    const emb = out.find((t) => t.name === 'token_embd.weight');
    if (emb !== undefined) out.push({ ...emb, name: 'output.weight' });
  }
  const ff = c.rope?.freqFactors;
  if (ff !== undefined && !out.some((t) => t.name === 'rope_freqs.weight')) {
    out.push({
      name: 'rope_freqs.weight',
      type: GgmlType.F32,
      shape: [ff.length],
      byteLength: ff.length * 4,
      produce: () => f32Bytes(ff),
    });
  }
  return out;
}

function dtypeOf(type: GgmlType): SafetensorsDtype {
  return type === GgmlType.F16 ? 'F16' : type === GgmlType.BF16 ? 'BF16' : 'F32';
}

/** Raw block bytes → bytes of `dtypeOf(type)` (dequantizing block formats to F32). */
function plainBytes(type: GgmlType, bytes: Uint8Array, n: number): Uint8Array {
  if (PLAIN.has(type)) return bytes;
  const outF = new Float32Array(n);
  dequantizeRow(type, bytes, 0, outF, 0, n);
  return f32Bytes(outF);
}

/** Inverse of a load-time transform on a canonical [rows, cols] matrix of plain elements. */
function toHfLayout(ref: SourceRef, bytes: Uint8Array, rows: number, cols: number, elem: number): Uint8Array {
  if (ref.transform.kind === 'permute')
    return permuteRows(bytes, rows, cols * elem, ref.transform.heads, true);
  if (ref.transform.kind === 'transpose') return transposeBytes(bytes, rows, cols, elem);
  return bytes;
}

/** True when the GGUF output head is a byte copy of the embedding (GPT-2's tied export). */
function headIsCopy(reader: TensorReader): boolean {
  const a = reader.source('output.weight');
  const b = reader.source('token_embd.weight');
  if (a === undefined || b === undefined || a.type !== b.type || a.byteLength !== b.byteLength) return false;
  if (a.shape.join() !== b.shape.join()) return false;
  const x = new Uint8Array(a.byteLength);
  const y = new Uint8Array(b.byteLength);
  a.readInto(x);
  b.readInto(y);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** HF tensors for a checkpoint with canonical names (GGUF or llama2.c); `tied` says whether lm_head is dropped. */
export function toHfTensors(oc: OpenCheckpoint): { tensors: HfOutTensor[]; tied: boolean } {
  const reader = new TensorReader(oc.ckpt, oc.names);
  const hfNames = oc.family.hfNames(oc.config);
  const tied = oc.config.tiedEmbeddings || headIsCopy(reader);
  const out: HfOutTensor[] = [];
  for (const name of namesToExport(oc, reader)) {
    if (tied && name === 'output.weight') continue;
    const ref = hfNames(name);
    if (ref === undefined) continue;
    const e = reader.source(name)!;
    const n = e.shape.reduce((a, b) => a * b, 1);
    if (!PLAIN.has(e.type) && !typeTraits(e.type).quantized) {
      throw new UnsupportedError(`${oc.ckpt.file}: tensor '${e.name}' has type ${typeName(e.type)}`, {
        field: e.name,
      });
    }
    const dtype = dtypeOf(e.type);
    const elem = dtype === 'F32' ? 4 : 2;
    if (e.shape.length === 1) {
      out.push({
        name: ref.name,
        dtype: 'F32',
        shape: [n],
        byteLength: n * 4,
        produce: () => {
          const v = reader.vectorF32(name, n);
          // A q/k bias is un-permuted like its weight rows.
          return ref.transform.kind === 'permute'
            ? permuteRows(f32Bytes(v), n, 4, ref.transform.heads, true)
            : f32Bytes(v);
        },
      });
      continue;
    }
    const [rows, cols] = [e.shape[0]!, e.shape[1]!];
    out.push({
      name: ref.name,
      dtype,
      shape: ref.transform.kind === 'transpose' ? [cols, rows] : [rows, cols],
      byteLength: n * elem,
      produce: () => {
        const raw = new Uint8Array(e.byteLength);
        e.readInto(raw);
        return toHfLayout(ref, plainBytes(e.type, raw, n), rows, cols, elem);
      },
    });
  }
  return { tensors: out, tied };
}
