// The quantize job's plan, browser-safe: which tensors llama-quantize (llama.cpp c392e50,
// src/llama-quant.cpp) quantizes, to which type (`_M` mixtures, tied output, fallbacks), the
// output metadata and tensor order, and the per-tensor conversion. File I/O is in quantize-node.ts.
import { FormatError, UnsupportedError, UsageError } from '../errors.js';
import { type GgufKv, GgufValueType } from '../io/gguf/index.js';
import { canDequantize, dequantizeRow, quantizeRow } from '../quant/index.js';
import { GgmlType, rowBytes, typeName, typeTraits } from '../tensor/dtype.js';

/** A `--type` value: the default tensor type and llama.cpp's `general.file_type` (llama_ftype). */
export interface QuantTarget {
  readonly name: string;
  readonly type: GgmlType;
  readonly ftype: number;
}

function target(name: string, type: GgmlType, ftype: number): QuantTarget {
  return { name, type, ftype };
}

/**
 * The supported targets. As in llama-quantize, `q4_k` and `q5_k` are aliases of the `_m` mixtures
 * (file types 15 and 17); `--pure` turns any of them into "every quantizable tensor in the type".
 */
export const QUANT_TARGETS: readonly QuantTarget[] = [
  target('q8_0', GgmlType.Q8_0, 7),
  target('q4_0', GgmlType.Q4_0, 2),
  target('q4_1', GgmlType.Q4_1, 3),
  target('q5_0', GgmlType.Q5_0, 8),
  target('q5_1', GgmlType.Q5_1, 9),
  target('q4_k', GgmlType.Q4_K, 15),
  target('q4_k_m', GgmlType.Q4_K, 15),
  target('q5_k', GgmlType.Q5_K, 17),
  target('q5_k_m', GgmlType.Q5_K, 17),
  target('q6_k', GgmlType.Q6_K, 18),
  target('f16', GgmlType.F16, 1),
  target('bf16', GgmlType.BF16, 32),
  target('f32', GgmlType.F32, 0),
];

const FTYPE_Q4_K_M = 15;
const FTYPE_Q5_K_M = 17;
/** ggml's GGML_QNT_VERSION, stored as general.quantization_version. */
export const QNT_VERSION = 2;

export function parseQuantTarget(name: string): QuantTarget {
  const t = QUANT_TARGETS.find((q) => q.name === name.toLowerCase());
  if (t === undefined) {
    throw new UsageError(
      `unknown quantization type "${name}" (valid: ${QUANT_TARGETS.map((q) => q.name).join(', ')})`,
      { field: 'type' },
    );
  }
  return t;
}

/** A source tensor (a GgufTensorInfo fits). */
export interface SourceTensor {
  readonly name: string;
  readonly type: GgmlType;
  /** GGML ne order: shape[0] is the row length. */
  readonly shape: readonly number[];
  readonly elements: number;
  readonly byteLength: number;
}

/** A model to quantize: GGUF-style metadata and tensors (a parsed Gguf fits). */
export interface QuantizeSource {
  readonly file: string;
  readonly metadata: ReadonlyMap<string, GgufKv>;
  readonly tensors: readonly SourceTensor[];
}

/** One output tensor: its source, the chosen type, and a note when a rule or fallback applied. */
export interface TensorPlan {
  readonly src: SourceTensor;
  readonly type: GgmlType;
  /** Bytes of the output data. */
  readonly byteLength: number;
  /** Why the type differs from the default (mixture rule, fallback), if it does. */
  readonly note?: string;
}

/** ggml_n_dims: dimensions up to the last one larger than 1 (at least 1). */
function nDims(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) if (shape[i]! > 1) n = i + 1;
  return n;
}

function layerOf(name: string): number {
  const m = /^blk\.(\d+)\./.exec(name);
  return m === null ? -1 : Number(m[1]);
}

/** llama_model_loader's weight order (weight_name_comparer): by layer (others first), then name. */
export function llamaTensorOrder(a: string, b: string): number {
  const la = layerOf(a);
  const lb = layerOf(b);
  if (la !== lb) return la < lb ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The quantize filter of llama_model_quantize_impl: which tensors are candidates at all. */
function isQuantizable(t: SourceTensor): boolean {
  const n = t.name;
  if (!n.endsWith('weight') || nDims(t.shape) < 2) return false;
  if (n.includes('_norm.weight') || n.includes('ffn_gate_inp.weight')) return false;
  if (n === 'position_embd.weight' || n === 'token_types.weight') return false;
  const skip = [
    'ssm_conv1d.weight',
    'time_mix_first.weight',
    'time_mix_w1.weight',
    'time_mix_w2.weight',
    'time_mix_decay_w1.weight',
    'time_mix_decay_w2.weight',
    'time_mix_lerp_fused.weight',
    'attn_rel_b.weight',
  ];
  return !skip.some((s) => n.includes(s));
}

/** llama.cpp's use_more_bits (C integer division). */
function useMoreBits(i: number, n: number): boolean {
  const n8 = Math.trunc(n / 8);
  return i < n8 || i >= Math.trunc((7 * n) / 8) || (i - n8) % 3 === 2;
}

/** The type llama_tensor_get_type's fallback switch picks when rows do not fit `type`'s blocks. */
function fallbackType(type: GgmlType, rowLen: number): GgmlType {
  const alt =
    type === GgmlType.Q4_K
      ? GgmlType.Q5_0
      : type === GgmlType.Q5_K
        ? GgmlType.Q5_1
        : type === GgmlType.Q6_K
          ? GgmlType.Q8_0
          : GgmlType.F16;
  return rowLen % typeTraits(alt).blockSize === 0 ? alt : GgmlType.F16;
}

/** Mixture state: llama.cpp's quantize_state_impl counters. */
interface MixState {
  readonly hasOutput: boolean;
  readonly nAttnV: number;
  readonly nLayer: number;
  iAttnV: number;
  iFfnDown: number;
}

/** llama_tensor_get_type for the targets above (no imatrix, no MoE/Falcon/70B special cases). */
function mixtureType(st: MixState, t: SourceTensor, def: GgmlType, ftype: number): [GgmlType, string?] {
  const name = t.name;
  const km = ftype === FTYPE_Q4_K_M || ftype === FTYPE_Q5_K_M;
  if (name === 'output.weight' || (!st.hasOutput && name === 'token_embd.weight')) {
    if ((t.shape[0] ?? 1) % typeTraits(def).blockSize !== 0)
      return [GgmlType.Q8_0, 'output rule (rows not a block multiple)'];
    if (def !== GgmlType.Q8_0) return [GgmlType.Q6_K, st.hasOutput ? 'output rule' : 'tied output rule'];
    return [def];
  }
  if (name === 'token_embd.weight') return [def];
  if (name.includes('attn_v.weight')) {
    const i = st.iAttnV++;
    if (km && useMoreBits(i, st.nAttnV)) return [GgmlType.Q6_K, `use_more_bits(${i}, ${st.nAttnV})`];
    return [def];
  }
  if (name.includes('ffn_down')) {
    const i = st.iFfnDown++;
    if (km && useMoreBits(i, st.nLayer)) return [GgmlType.Q6_K, `use_more_bits(${i}, ${st.nLayer})`];
    return [def];
  }
  if (name.includes('attn_qkv.weight')) {
    if (ftype === FTYPE_Q4_K_M) return [GgmlType.Q5_K, 'attn_qkv rule'];
    if (ftype === FTYPE_Q5_K_M) return [GgmlType.Q6_K, 'attn_qkv rule'];
  }
  return [def];
}

function blockCount(g: QuantizeSource): number | undefined {
  const arch = g.metadata.get('general.architecture');
  if (arch === undefined || typeof arch.value !== 'string') return undefined;
  const kv = g.metadata.get(`${arch.value}.block_count`);
  return kv !== undefined && typeof kv.value === 'number' ? kv.value : undefined;
}

/**
 * The output tensors in llama-quantize's order with their types. Throws for source types that
 * cannot be read (quantized sources: requantizing is refused, as llama-quantize does by default).
 */
export function planQuantization(g: QuantizeSource, tgt: QuantTarget, pure: boolean): TensorPlan[] {
  const tensors = [...g.tensors].sort((a, b) => llamaTensorOrder(a.name, b.name));
  let maxLayer = -1;
  for (const t of tensors) maxLayer = Math.max(maxLayer, layerOf(t.name));
  const st: MixState = {
    hasOutput: tensors.some((t) => t.name === 'output.weight'),
    nAttnV: tensors.filter((t) => /attn_v\.weight|attn_qkv\.weight|attn_kv_b\.weight/.test(t.name)).length,
    nLayer: blockCount(g) ?? maxLayer + 1,
    iAttnV: 0,
    iFfnDown: 0,
  };
  const quantizedDefault = typeTraits(tgt.type).quantized;
  return tensors.map((t): TensorPlan => {
    let type = t.type;
    let note: string | undefined;
    if (isQuantizable(t)) {
      type = tgt.type;
      if (!pure && quantizedDefault) [type, note] = mixtureType(st, t, type, tgt.ftype);
      const rowLen = t.shape[0] ?? 1;
      if (rowLen % typeTraits(type).blockSize !== 0) {
        const alt = fallbackType(type, rowLen);
        note = `rows of ${rowLen} do not fit ${typeName(type)} blocks: fallback ${typeName(alt)}`;
        type = alt;
      }
    }
    if (
      type !== t.type &&
      !(t.type === GgmlType.F32 || t.type === GgmlType.F16 || t.type === GgmlType.BF16)
    ) {
      throw new UnsupportedError(
        `${g.file}: tensor '${t.name}' is ${typeName(t.type)}; requantizing is not supported (use an F32, F16 or BF16 model)`,
        { field: t.name, file: g.file },
      );
    }
    const n = t.shape[0] ?? 1;
    const rows = n > 0 ? t.elements / n : 0;
    const byteLength = type === t.type ? t.byteLength : rows * rowBytes(type, n)!;
    return note === undefined ? { src: t, type, byteLength } : { src: t, type, byteLength, note };
  });
}

const DROPPED_KEYS = new Set(['split.no', 'split.count', 'split.tensors.count']);

/** The output metadata: the input's, minus split keys, then quantization_version and file_type. */
export function outputMetadata(g: QuantizeSource, tgt: QuantTarget): [string, GgufKv][] {
  const out: [string, GgufKv][] = [];
  for (const [k, v] of g.metadata) {
    if (DROPPED_KEYS.has(k) || k === 'general.quantization_version' || k === 'general.file_type') continue;
    out.push([k, v]);
  }
  out.push(['general.quantization_version', { type: GgufValueType.UINT32, value: QNT_VERSION }]);
  out.push(['general.file_type', { type: GgufValueType.UINT32, value: tgt.ftype }]);
  return out;
}

/** FormatError naming the tensor when row `r` (values[off..off+n)) holds a NaN or an infinity. */
function checkFinite(
  t: SourceTensor,
  values: Float32Array,
  off: number,
  n: number,
  r: number,
  file: string,
): void {
  for (let i = 0; i < n; i++) {
    const v = values[off + i]!;
    if (v - v !== 0) {
      throw new FormatError(
        `${file}: tensor '${t.name}' has a non-finite value (${v}) at row ${r}, column ${i}`,
        {
          field: t.name,
          file,
        },
      );
    }
  }
}

/** Decodes a whole F32/F16/BF16 tensor into `dst` (elements floats), checking every value. */
export function decodeTensor(t: SourceTensor, src: Uint8Array, dst: Float32Array, file: string): void {
  const n = t.shape[0] ?? 1;
  const rows = n > 0 ? t.elements / n : 0;
  const inRow = rowBytes(t.type, n)!;
  for (let r = 0; r < rows; r++) {
    dequantizeRow(t.type, src, r * inRow, dst, r * n, n);
    checkFinite(t, dst, r * n, n, r, file);
  }
}

/**
 * Converts one tensor's source bytes (F32/F16/BF16) into `plan.type`, row by row, into `dst`
 * (plan.byteLength bytes). `row` is scratch of at least shape[0] floats. Throws FormatError naming
 * the tensor when a value is NaN or infinite (checked also for tensors copied unchanged).
 * `onRows` reports progress every 256 rows.
 */
export function convertTensor(
  plan: TensorPlan,
  src: Uint8Array,
  dst: Uint8Array,
  row: Float32Array,
  file: string,
  onRows?: (done: number, rows: number) => void,
): void {
  const t = plan.src;
  const n = t.shape[0] ?? 1;
  const rows = n > 0 ? t.elements / n : 0;
  const inRow = rowBytes(t.type, n)!;
  const outRow = rowBytes(plan.type, n)!;
  const float = t.type === GgmlType.F32 || t.type === GgmlType.F16 || t.type === GgmlType.BF16;
  for (let r = 0; r < rows; r++) {
    if (float && canDequantize(t.type)) {
      dequantizeRow(t.type, src, r * inRow, row, 0, n);
      checkFinite(t, row, 0, n, r, file);
    }
    if (plan.type === t.type) {
      if (dst !== src) dst.set(src.subarray(r * inRow, (r + 1) * inRow), r * outRow);
    } else quantizeRow(plan.type, row, 0, dst, r * outRow, n);
    if (onRows !== undefined && (r + 1) % 256 === 0) onRows(r + 1, rows);
  }
}
