// GGUF v2/v3 reader (layout and checks as llama.cpp's gguf.cpp, plus caps against hostile files).
// Reads only the header region through the ByteSource; tensor data stays in the file and is
// read later with `readTensorData` / `src.readInto`.
import { FormatError } from '../../errors.js';
import { type GgmlType, TYPE_TRAITS } from '../../tensor/dtype.js';
import type { ByteSource } from '../byte-source.js';
import { Cursor } from '../cursor.js';
import { decodeUtf8Lenient, decodeUtf8Strict, HOST_BIG_ENDIAN, swapBytes } from '../utf8.js';
import {
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_KEY_ALIGNMENT,
  GGUF_MAGIC,
  type Gguf,
  type GgufArray,
  type GgufKv,
  type GgufNumericArray,
  type GgufTensorInfo,
  type GgufValue,
  GgufValueType,
  isValueType,
  valueTypeSize,
} from './types.js';

export interface ReadGgufOptions {
  /** Longest string value or key in bytes (default 64 MiB). */
  maxStringBytes?: number;
  /** Most elements in one metadata array (default 2^26). */
  maxArrayLength?: number;
  /** Deepest array nesting; 1 = arrays of scalars only (default 4). */
  maxArrayDepth?: number;
  /** Largest accepted `general.alignment` (default 1 MiB). */
  maxAlignment?: number;
}

/** GGML_MAX_NAME is 64 including the terminating NUL. */
export const GGUF_MAX_NAME_BYTES = 63;
/** Most tensor dimensions accepted (ggml itself uses at most 4). */
export const GGUF_MAX_DIMS = 8;

const MIN_KV_BYTES = 8 + 1 + 4 + 1; // key length, 1-byte key, type, 1-byte value
const MIN_TENSOR_INFO_BYTES = 8 + 1 + 4 + 4 + 8; // name length, 1-byte name, n_dims, type, offset

interface Ctx {
  c: Cursor;
  file: string;
  maxString: number;
  maxArray: number;
  maxDepth: number;
}

function fail(ctx: Ctx, msg: string, field?: string, offset?: number): never {
  throw new FormatError(`${ctx.file}: ${msg}`, { field, file: ctx.file, offset: offset ?? ctx.c.pos });
}

/** Parses the GGUF header, metadata and tensor infos from `src`. Throws FormatError on any defect. */
export function readGguf(src: ByteSource, options: ReadGgufOptions = {}): Gguf {
  const ctx: Ctx = {
    c: new Cursor(src),
    file: src.name,
    maxString: options.maxStringBytes ?? 64 * 1024 * 1024,
    maxArray: options.maxArrayLength ?? 1 << 26,
    maxDepth: options.maxArrayDepth ?? 4,
  };
  const c = ctx.c;
  if (src.size < 4) fail(ctx, 'invalid magic: file is shorter than 4 bytes', 'magic', 0);
  const magic = c.u32('magic');
  if (magic !== GGUF_MAGIC) fail(ctx, 'invalid magic: not a GGUF file', 'magic', 0);
  const version = c.u32('version');
  if ((version & 0xffff) === 0 && version !== 0) {
    fail(ctx, `version ${version} looks byte-swapped: endianness mismatch (big-endian GGUF?)`, 'version', 4);
  }
  if (version === 1) fail(ctx, 'GGUF version 1 is not supported (re-convert the model)', 'version', 4);
  if (version !== 2 && version !== 3) fail(ctx, `unsupported GGUF version ${version}`, 'version', 4);

  const nTensors = c.u64('n_tensors');
  if (nTensors * BigInt(MIN_TENSOR_INFO_BYTES) > BigInt(c.remaining)) {
    fail(ctx, `n_tensors = ${nTensors} exceeds what the file can hold`, 'n_tensors', 8);
  }
  const nKv = c.u64('n_kv');
  if (nKv * BigInt(MIN_KV_BYTES) + nTensors * BigInt(MIN_TENSOR_INFO_BYTES) > BigInt(c.remaining)) {
    fail(ctx, `n_kv = ${nKv} exceeds what the file can hold`, 'n_kv', 16);
  }

  const metadata = new Map<string, GgufKv>();
  for (let i = 0, n = Number(nKv); i < n; i++) {
    const at = c.pos;
    const key = readKey(ctx, `key of metadata entry ${i}`);
    if (metadata.has(key)) fail(ctx, `duplicate metadata key '${key}'`, key, at);
    const type = c.u32(key);
    if (!isValueType(type)) fail(ctx, `metadata '${key}' has invalid value type ${type}`, key, c.pos - 4);
    const value = readValue(ctx, type, key, 0);
    metadata.set(key, { type, value });
  }

  const alignment = readAlignment(ctx, metadata, options.maxAlignment ?? 1024 * 1024);

  const raw: {
    name: string;
    type: GgmlType;
    shape: number[];
    elements: number;
    rel: number;
    bytes: number;
  }[] = [];
  const names = new Set<string>();
  for (let i = 0, n = Number(nTensors); i < n; i++) {
    const at = c.pos;
    const t = readTensorInfo(ctx, i);
    if (names.has(t.name)) fail(ctx, `duplicate tensor name '${t.name}'`, t.name, at);
    names.add(t.name);
    raw.push(t);
  }

  const dataOffset = padTo(c.pos, alignment);
  const tensors: GgufTensorInfo[] = [];
  let expected = 0;
  for (const t of raw) {
    if (t.rel % alignment !== 0) {
      fail(ctx, `tensor '${t.name}' offset ${t.rel} is not a multiple of the alignment ${alignment}`, t.name);
    }
    if (t.rel !== expected) {
      fail(
        ctx,
        `tensor '${t.name}' has offset ${t.rel}, expected ${expected} (tensor data must be contiguous and in order)`,
        t.name,
      );
    }
    const padded = padTo(t.bytes, alignment);
    if (padded > Number.MAX_SAFE_INTEGER - expected) fail(ctx, 'total tensor data size overflows', t.name);
    expected += padded;
  }
  // Only now that offsets are known to be consistent: every range must lie inside the file.
  for (const t of raw) {
    const offset = dataOffset + t.rel;
    if (t.rel > src.size - dataOffset || t.bytes > src.size - offset) {
      fail(
        ctx,
        `tensor '${t.name}' data [${offset}, +${t.bytes}) extends past the end of the file (${src.size} bytes)`,
        t.name,
        Math.min(offset, src.size),
      );
    }
    tensors.push({
      name: t.name,
      type: t.type,
      shape: t.shape,
      elements: t.elements,
      offset,
      byteLength: t.bytes,
    });
  }
  return { file: src.name, version, metadata, tensors, alignment, dataOffset, fileSize: src.size };
}

/** Rounds `x` up to a multiple of `a`, exactly for any safe integer (no 32-bit bitwise ops). */
export function padTo(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

function readAlignment(ctx: Ctx, metadata: Map<string, GgufKv>, maxAlignment: number): number {
  const kv = metadata.get(GGUF_KEY_ALIGNMENT);
  if (kv === undefined) return GGUF_DEFAULT_ALIGNMENT;
  if (kv.type !== GgufValueType.UINT32) {
    fail(
      ctx,
      `${GGUF_KEY_ALIGNMENT} must be stored as UINT32, found type ${GgufValueType[kv.type]}`,
      GGUF_KEY_ALIGNMENT,
    );
  }
  const a = kv.value as number;
  if (a === 0 || a > maxAlignment || 2 ** Math.round(Math.log2(a)) !== a) {
    fail(
      ctx,
      `${GGUF_KEY_ALIGNMENT} = ${a} must be a power of two between 1 and ${maxAlignment}`,
      GGUF_KEY_ALIGNMENT,
    );
  }
  return a;
}

function readLength(ctx: Ctx, what: string, cap: number): number {
  const at = ctx.c.pos;
  const n = ctx.c.u64Num(what);
  if (n > ctx.c.remaining)
    fail(ctx, `${what}: length ${lengthText(ctx, at)} exceeds the remaining bytes`, what, at);
  if (n > cap) fail(ctx, `${what}: length ${n} exceeds the limit ${cap}`, what, at);
  return n;
}

/** The exact u64 at `at`, for messages. */
function lengthText(ctx: Ctx, at: number): string {
  const b = ctx.c.src.read(at, 8);
  return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true).toString();
}

function readKey(ctx: Ctx, what: string): string {
  const len = readLength(ctx, what, Math.min(ctx.maxString, 65536));
  if (len === 0) fail(ctx, `${what} is empty`, what);
  const at = ctx.c.pos;
  return decodeUtf8Strict(ctx.c.bytes(len, what), what, ctx.file, at);
}

function readString(ctx: Ctx, what: string): string {
  const len = readLength(ctx, what, ctx.maxString);
  return decodeUtf8Lenient(ctx.c.bytes(len, what));
}

function readScalar(ctx: Ctx, type: GgufValueType, key: string): number | bigint | boolean | string {
  const c = ctx.c;
  switch (type) {
    case GgufValueType.UINT8:
      return c.u8(key);
    case GgufValueType.INT8:
      return c.i8(key);
    case GgufValueType.UINT16:
      return c.u16(key);
    case GgufValueType.INT16:
      return c.i16(key);
    case GgufValueType.UINT32:
      return c.u32(key);
    case GgufValueType.INT32:
      return c.i32(key);
    case GgufValueType.FLOAT32:
      return c.f32(key);
    case GgufValueType.UINT64:
      return c.u64(key);
    case GgufValueType.INT64:
      return c.i64(key);
    case GgufValueType.FLOAT64:
      return c.f64(key);
    case GgufValueType.BOOL: {
      const b = c.u8(key);
      if (b > 1) fail(ctx, `metadata '${key}': boolean byte ${b} is not 0 or 1`, key, c.pos - 1);
      return b === 1;
    }
    case GgufValueType.STRING:
      return readString(ctx, key);
    default:
      return fail(ctx, `metadata '${key}' has invalid value type ${type}`, key);
  }
}

function readValue(ctx: Ctx, type: GgufValueType, key: string, depth: number): GgufValue {
  if (type !== GgufValueType.ARRAY) return readScalar(ctx, type, key);
  if (depth >= ctx.maxDepth) fail(ctx, `metadata '${key}': arrays nested deeper than ${ctx.maxDepth}`, key);
  const c = ctx.c;
  const itemType = c.u32(key);
  if (!isValueType(itemType))
    fail(ctx, `metadata '${key}': invalid array item type ${itemType}`, key, c.pos - 4);
  const at = c.pos;
  const count = c.u64(key);
  const minItem =
    itemType === GgufValueType.STRING ? 8 : itemType === GgufValueType.ARRAY ? 12 : valueTypeSize(itemType);
  if (count * BigInt(minItem) > BigInt(c.remaining)) {
    fail(ctx, `metadata '${key}': array of ${count} items exceeds the remaining bytes`, key, at);
  }
  if (count > BigInt(ctx.maxArray))
    fail(ctx, `metadata '${key}': array of ${count} items exceeds the limit ${ctx.maxArray}`, key, at);
  const n = Number(count);
  if (itemType === GgufValueType.STRING) {
    const values: string[] = new Array(n);
    for (let i = 0; i < n; i++) values[i] = readString(ctx, key);
    return { itemType, values };
  }
  if (itemType === GgufValueType.ARRAY) {
    const values: GgufArray[] = new Array(n);
    for (let i = 0; i < n; i++) values[i] = readValue(ctx, GgufValueType.ARRAY, key, depth + 1) as GgufArray;
    return { itemType, values };
  }
  const size = minItem;
  const buf = new ArrayBuffer(n * size);
  const bytes = new Uint8Array(buf);
  c.readInto(bytes, key);
  if (HOST_BIG_ENDIAN && size > 1) swapBytes(bytes, size);
  if (itemType === GgufValueType.BOOL) {
    for (let i = 0; i < n; i++) {
      if (bytes[i]! > 1)
        fail(ctx, `metadata '${key}': boolean byte ${bytes[i]} is not 0 or 1`, key, at + 8 + i);
    }
  }
  return { itemType, values: numericView(itemType, buf) };
}

function numericView(t: GgufValueType, buf: ArrayBuffer): GgufNumericArray {
  switch (t) {
    case GgufValueType.UINT8:
    case GgufValueType.BOOL:
      return new Uint8Array(buf);
    case GgufValueType.INT8:
      return new Int8Array(buf);
    case GgufValueType.UINT16:
      return new Uint16Array(buf);
    case GgufValueType.INT16:
      return new Int16Array(buf);
    case GgufValueType.UINT32:
      return new Uint32Array(buf);
    case GgufValueType.INT32:
      return new Int32Array(buf);
    case GgufValueType.FLOAT32:
      return new Float32Array(buf);
    case GgufValueType.UINT64:
      return new BigUint64Array(buf);
    case GgufValueType.INT64:
      return new BigInt64Array(buf);
    default:
      return new Float64Array(buf);
  }
}

function readTensorInfo(ctx: Ctx, index: number) {
  const c = ctx.c;
  const what = `name of tensor ${index}`;
  const at = c.pos;
  const nameLen = c.u64(what);
  if (nameLen === 0n) fail(ctx, `${what} is empty`, what, at);
  if (nameLen > BigInt(GGUF_MAX_NAME_BYTES)) {
    fail(ctx, `${what}: length ${nameLen} exceeds ${GGUF_MAX_NAME_BYTES} bytes (GGML_MAX_NAME)`, what, at);
  }
  const name = decodeUtf8Strict(c.bytes(Number(nameLen), what), what, ctx.file, at + 8);
  const nDims = c.u32(name);
  if (nDims > GGUF_MAX_DIMS)
    fail(ctx, `tensor '${name}' has ${nDims} dimensions (max ${GGUF_MAX_DIMS})`, name, c.pos - 4);
  const shape: number[] = [];
  let elements = 1;
  for (let d = 0; d < nDims; d++) {
    const ne = c.i64(name);
    if (ne < 0n) fail(ctx, `tensor '${name}' dimension ${d} is negative (${ne})`, name, c.pos - 8);
    if (ne > BigInt(Number.MAX_SAFE_INTEGER))
      fail(ctx, `tensor '${name}' dimension ${d} = ${ne} is too large`, name, c.pos - 8);
    const v = Number(ne);
    if (v !== 0 && elements > Number.MAX_SAFE_INTEGER / v) {
      fail(ctx, `tensor '${name}' element count is not representable (shape overflows)`, name);
    }
    elements *= v;
    shape.push(v);
  }
  const typeAt = c.pos;
  const typeId = c.u32(name);
  const traits = TYPE_TRAITS.get(typeId as GgmlType);
  if (traits === undefined) fail(ctx, `tensor '${name}' has unknown GGML type ${typeId}`, name, typeAt);
  const ne0 = shape.length > 0 ? shape[0]! : 1;
  if (ne0 % traits.blockSize !== 0) {
    fail(
      ctx,
      `tensor '${name}' row length ${ne0} is not a multiple of the ${traits.name} block size ${traits.blockSize}`,
      name,
      typeAt,
    );
  }
  const blocks = elements / traits.blockSize;
  if (blocks > Number.MAX_SAFE_INTEGER / traits.typeSize)
    fail(ctx, `tensor '${name}' byte size is not representable`, name);
  const rel = c.u64Size(name);
  return { name, type: typeId as GgmlType, shape, elements, rel, bytes: blocks * traits.typeSize };
}
