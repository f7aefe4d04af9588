// GGUF v3 (or v2) writer with gguf.cpp / gguf-py's layout: header, metadata, tensor infos, zero
// padding to the alignment, then each tensor's data followed by zero padding to the alignment.
// Tensor offsets are assigned here (contiguous, in the order given).
import { UsageError } from '../../errors.js';
import { type GgmlType, TYPE_TRAITS } from '../../tensor/dtype.js';
import { ByteWriter, loadTensorBytes, type TensorBytes } from '../byte-writer.js';
import { encodeUtf8 } from '../utf8.js';
import { GGUF_MAX_DIMS, GGUF_MAX_NAME_BYTES, padTo } from './read.js';
import {
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_KEY_ALIGNMENT,
  GGUF_MAGIC,
  type GgufArray,
  type GgufKv,
  type GgufValue,
  GgufValueType,
} from './types.js';

export interface GgufWriteTensor {
  readonly name: string;
  readonly type: GgmlType;
  /** GGML `ne` order: shape[0] is the row length. */
  readonly shape: readonly number[];
  /** Raw data in the block format of `type` (or a lazy loader); its length must match the shape. */
  readonly data: TensorBytes;
}

export interface GgufWriteSpec {
  /** 3 (default) or 2; the layout is the same. */
  readonly version?: 2 | 3;
  /** Metadata in write order. The alignment comes from `general.alignment` (UINT32) if present. */
  readonly metadata: Iterable<readonly [string, GgufKv]>;
  readonly tensors: readonly GgufWriteTensor[];
}

export interface GgufLayout {
  /** Header + metadata + tensor infos + padding up to the data section. */
  readonly header: Uint8Array;
  readonly alignment: number;
  /** Offsets of each tensor relative to the data section. */
  readonly offsets: readonly number[];
  /** Size of the data section including padding. */
  readonly dataSize: number;
}

function bad(msg: string, field?: string): never {
  throw new UsageError(`writeGguf: ${msg}`, { field });
}

/** Byte length of a tensor of `type` and `shape`; UsageError when the shape is invalid. */
export function tensorByteLength(type: GgmlType, shape: readonly number[], name = ''): number {
  const tr = TYPE_TRAITS.get(type);
  if (tr === undefined) bad(`tensor '${name}': unknown GGML type ${type}`, name);
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) bad(`tensor '${name}': invalid dimension ${d}`, name);
    if (d !== 0 && n > Number.MAX_SAFE_INTEGER / d) bad(`tensor '${name}': too many elements`, name);
    n *= d;
  }
  const ne0 = shape.length > 0 ? shape[0]! : 1;
  if (ne0 % tr.blockSize !== 0)
    bad(`tensor '${name}': row length ${ne0} is not a multiple of ${tr.blockSize}`, name);
  return (n / tr.blockSize) * tr.typeSize;
}

/** Computes the layout and serializes everything before the tensor data. */
export function ggufLayout(spec: GgufWriteSpec): GgufLayout {
  const w = new ByteWriter();
  const kvs = [...spec.metadata];
  const seen = new Set<string>();
  let alignment = GGUF_DEFAULT_ALIGNMENT;
  for (const [key, kv] of kvs) {
    if (key.length === 0) bad('empty metadata key');
    if (seen.has(key)) bad(`duplicate metadata key '${key}'`, key);
    seen.add(key);
    if (key === GGUF_KEY_ALIGNMENT) {
      const a = kv.value;
      if (
        kv.type !== GgufValueType.UINT32 ||
        typeof a !== 'number' ||
        a < 1 ||
        2 ** Math.round(Math.log2(a)) !== a
      ) {
        bad(`${GGUF_KEY_ALIGNMENT} must be a UINT32 power of two`, key);
      }
      alignment = a;
    }
  }
  w.u32(GGUF_MAGIC);
  w.u32(spec.version ?? 3);
  w.u64(spec.tensors.length);
  w.u64(kvs.length);
  for (const [key, kv] of kvs) {
    writeString(w, key);
    w.u32(kv.type);
    writeValue(w, kv.type, kv.value, key);
  }
  const names = new Set<string>();
  const offsets: number[] = [];
  let offset = 0;
  for (const t of spec.tensors) {
    const nameBytes = encodeUtf8(t.name);
    if (nameBytes.length === 0 || nameBytes.length > GGUF_MAX_NAME_BYTES) {
      bad(`tensor name '${t.name}' must have 1 to ${GGUF_MAX_NAME_BYTES} bytes`, t.name);
    }
    if (names.has(t.name)) bad(`duplicate tensor name '${t.name}'`, t.name);
    names.add(t.name);
    if (t.shape.length > GGUF_MAX_DIMS)
      bad(`tensor '${t.name}' has more than ${GGUF_MAX_DIMS} dimensions`, t.name);
    const nbytes = tensorByteLength(t.type, t.shape, t.name);
    if (t.data.length !== nbytes)
      bad(`tensor '${t.name}' data has ${t.data.length} bytes, expected ${nbytes}`, t.name);
    w.u64(nameBytes.length);
    w.bytes(nameBytes);
    w.u32(t.shape.length);
    for (const d of t.shape) w.i64(d);
    w.u32(t.type);
    w.u64(offset);
    offsets.push(offset);
    offset += padTo(nbytes, alignment);
  }
  // gguf-py pads to the alignment only when a data section follows (vocab-only files end here).
  if (spec.tensors.length > 0) w.fill(0, padTo(w.length, alignment) - w.length);
  return { header: w.result().slice(), alignment, offsets, dataSize: offset };
}

/** The file as a sequence of chunks (header, then each tensor's data and its padding). */
export function* ggufChunks(spec: GgufWriteSpec): Generator<Uint8Array> {
  const layout = ggufLayout(spec);
  yield layout.header;
  for (const t of spec.tensors) {
    if (t.data.length > 0) yield loadTensorBytes(t.data, t.name);
    const pad = padTo(t.data.length, layout.alignment) - t.data.length;
    if (pad > 0) yield new Uint8Array(pad);
  }
}

/** The whole file in memory. */
export function writeGguf(spec: GgufWriteSpec): Uint8Array {
  const layout = ggufLayout(spec);
  const out = new Uint8Array(layout.header.length + layout.dataSize);
  out.set(layout.header, 0);
  spec.tensors.forEach((t, i) => {
    out.set(loadTensorBytes(t.data, t.name), layout.header.length + layout.offsets[i]!);
  });
  return out;
}

function writeString(w: ByteWriter, s: string): void {
  const b = encodeUtf8(s);
  w.u64(b.length);
  w.bytes(b);
}

function typeError(key: string, type: GgufValueType, v: unknown): never {
  return bad(`metadata '${key}': value ${String(v)} does not fit type ${GgufValueType[type]}`, key);
}

function writeScalar(w: ByteWriter, type: GgufValueType, v: unknown, key: string): void {
  const int = (lo: number, hi: number): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) typeError(key, type, v);
    return v;
  };
  const num = (): number => (typeof v === 'number' ? v : typeError(key, type, v));
  switch (type) {
    case GgufValueType.UINT8:
      w.u8(int(0, 0xff));
      break;
    case GgufValueType.INT8:
      w.i8(int(-0x80, 0x7f));
      break;
    case GgufValueType.UINT16:
      w.u16(int(0, 0xffff));
      break;
    case GgufValueType.INT16:
      w.i16(int(-0x8000, 0x7fff));
      break;
    case GgufValueType.UINT32:
      w.u32(int(0, 0xffffffff));
      break;
    case GgufValueType.INT32:
      w.i32(int(-0x80000000, 0x7fffffff));
      break;
    case GgufValueType.FLOAT32:
      w.f32(num());
      break;
    case GgufValueType.FLOAT64:
      w.f64(num());
      break;
    case GgufValueType.UINT64:
    case GgufValueType.INT64: {
      const unsigned = type === GgufValueType.UINT64;
      const lo = unsigned ? 0n : -(2n ** 63n);
      const hi = unsigned ? 2n ** 64n - 1n : 2n ** 63n - 1n;
      let b: bigint;
      if (typeof v === 'bigint') b = v;
      else if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
      else typeError(key, type, v);
      if (b < lo || b > hi) typeError(key, type, v);
      if (unsigned) w.u64(b);
      else w.i64(b);
      break;
    }
    case GgufValueType.BOOL:
      if (typeof v === 'boolean') w.u8(v ? 1 : 0);
      else w.u8(int(0, 1));
      break;
    case GgufValueType.STRING:
      if (typeof v !== 'string') typeError(key, type, v);
      writeString(w, v);
      break;
    default:
      bad(`metadata '${key}': invalid value type ${type}`, key);
  }
}

function writeValue(w: ByteWriter, type: GgufValueType, v: GgufValue, key: string): void {
  if (type !== GgufValueType.ARRAY) {
    writeScalar(w, type, v, key);
    return;
  }
  if (typeof v !== 'object' || v === null) typeError(key, type, v);
  const arr = v as GgufArray;
  w.u32(arr.itemType);
  const values = arr.values as ArrayLike<unknown>;
  w.u64(values.length);
  for (let i = 0; i < values.length; i++) writeValue(w, arr.itemType, values[i] as GgufValue, key);
}
