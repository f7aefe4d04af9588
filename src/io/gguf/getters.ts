// Typed metadata getters. Each throws FormatError naming the key (and file) when the key is
// missing (unless a default is given) or holds another type.
import { FormatError } from '../../errors.js';
import { allocBytes, type ByteSource } from '../byte-source.js';
import { type Gguf, type GgufArray, type GgufKv, type GgufTensorInfo, GgufValueType } from './types.js';

function missing(g: Gguf, key: string): never {
  throw new FormatError(`${g.file}: metadata key '${key}' is missing`, { field: key, file: g.file });
}

function mismatch(g: Gguf, key: string, kv: GgufKv, want: string): never {
  throw new FormatError(`${g.file}: metadata '${key}' is ${GgufValueType[kv.type]}, expected ${want}`, {
    field: key,
    file: g.file,
  });
}

function lookup(g: Gguf, key: string): GgufKv | undefined {
  return g.metadata.get(key);
}

export function hasKey(g: Gguf, key: string): boolean {
  return g.metadata.has(key);
}

export function getString(g: Gguf, key: string, def?: string): string {
  const kv = lookup(g, key);
  if (kv === undefined) return def ?? missing(g, key);
  if (kv.type !== GgufValueType.STRING) mismatch(g, key, kv, 'STRING');
  return kv.value as string;
}

export function getBool(g: Gguf, key: string, def?: boolean): boolean {
  const kv = lookup(g, key);
  if (kv === undefined) return def ?? missing(g, key);
  if (kv.type !== GgufValueType.BOOL) mismatch(g, key, kv, 'BOOL');
  return kv.value as boolean;
}

/** A UINT32 value (strict type). */
export function getU32(g: Gguf, key: string, def?: number): number {
  const kv = lookup(g, key);
  if (kv === undefined) return def ?? missing(g, key);
  if (kv.type !== GgufValueType.UINT32) mismatch(g, key, kv, 'UINT32');
  return kv.value as number;
}

/** A FLOAT32 value (strict type). */
export function getF32(g: Gguf, key: string, def?: number): number {
  const kv = lookup(g, key);
  if (kv === undefined) return def ?? missing(g, key);
  if (kv.type !== GgufValueType.FLOAT32) mismatch(g, key, kv, 'FLOAT32');
  return kv.value as number;
}

const INT_TYPES = new Set([
  GgufValueType.UINT8,
  GgufValueType.INT8,
  GgufValueType.UINT16,
  GgufValueType.INT16,
  GgufValueType.UINT32,
  GgufValueType.INT32,
  GgufValueType.UINT64,
  GgufValueType.INT64,
]);

/** Any integer type, returned as a number; 64-bit values outside the safe range are refused. */
export function getInt(g: Gguf, key: string, def?: number): number {
  const kv = lookup(g, key);
  if (kv === undefined) return def ?? missing(g, key);
  if (!INT_TYPES.has(kv.type)) mismatch(g, key, kv, 'an integer');
  const v = kv.value;
  if (typeof v === 'bigint') {
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new FormatError(`${g.file}: metadata '${key}' = ${v} is out of range`, {
        field: key,
        file: g.file,
      });
    }
    return Number(v);
  }
  return v as number;
}

/** FLOAT32 or FLOAT64, returned as a number. */
export function getFloat(g: Gguf, key: string, def?: number): number {
  const kv = lookup(g, key);
  if (kv === undefined) return def ?? missing(g, key);
  if (kv.type !== GgufValueType.FLOAT32 && kv.type !== GgufValueType.FLOAT64) mismatch(g, key, kv, 'a float');
  return kv.value as number;
}

export function getArray(g: Gguf, key: string): GgufArray;
export function getArray(g: Gguf, key: string, optional: true): GgufArray | undefined;
export function getArray(g: Gguf, key: string, optional = false): GgufArray | undefined {
  const kv = lookup(g, key);
  if (kv === undefined) return optional ? undefined : missing(g, key);
  if (kv.type !== GgufValueType.ARRAY) mismatch(g, key, kv, 'ARRAY');
  return kv.value as GgufArray;
}

function arrayOf(g: Gguf, key: string, optional: boolean, item: GgufValueType[], want: string) {
  const a = optional ? getArray(g, key, true) : getArray(g, key);
  if (a === undefined) return undefined;
  if (!item.includes(a.itemType)) {
    throw new FormatError(
      `${g.file}: metadata '${key}' is an array of ${GgufValueType[a.itemType]}, expected ${want}`,
      {
        field: key,
        file: g.file,
      },
    );
  }
  return a;
}

export function getStringArray(g: Gguf, key: string): string[];
export function getStringArray(g: Gguf, key: string, optional: true): string[] | undefined;
export function getStringArray(g: Gguf, key: string, optional = false): string[] | undefined {
  return arrayOf(g, key, optional, [GgufValueType.STRING], 'STRING')?.values as string[] | undefined;
}

export function getF32Array(g: Gguf, key: string): Float32Array;
export function getF32Array(g: Gguf, key: string, optional: true): Float32Array | undefined;
export function getF32Array(g: Gguf, key: string, optional = false): Float32Array | undefined {
  return arrayOf(g, key, optional, [GgufValueType.FLOAT32], 'FLOAT32')?.values as Float32Array | undefined;
}

/** An array of any integer type (8/16/32-bit, or 64-bit within the int32 range) as Int32Array. */
export function getI32Array(g: Gguf, key: string): Int32Array;
export function getI32Array(g: Gguf, key: string, optional: true): Int32Array | undefined;
export function getI32Array(g: Gguf, key: string, optional = false): Int32Array | undefined {
  const a = arrayOf(g, key, optional, [...INT_TYPES], 'integers');
  if (a === undefined) return undefined;
  if (a.values instanceof Int32Array) return a.values;
  const src = a.values as ArrayLike<number | bigint>;
  const out = new Int32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = Number(src[i]!);
    if (v < -2147483648 || v > 2147483647) {
      throw new FormatError(`${g.file}: metadata '${key}'[${i}] = ${src[i]} is out of the int32 range`, {
        field: key,
        file: g.file,
      });
    }
    out[i] = v;
  }
  return out;
}

/** The tensor named `name`, or undefined. */
export function findTensor(g: Gguf, name: string): GgufTensorInfo | undefined {
  for (const t of g.tensors) if (t.name === name) return t;
  return undefined;
}

/** A tensor by name; FormatError naming it when absent. */
export function getTensor(g: Gguf, name: string): GgufTensorInfo {
  return findTensor(g, name) ?? missingTensor(g, name);
}

function missingTensor(g: Gguf, name: string): never {
  throw new FormatError(`${g.file}: tensor '${name}' is missing`, { field: name, file: g.file });
}

/**
 * Reads a tensor's raw bytes (block format as stored). With `dst`, reads straight into it
 * (e.g. a view of WASM memory); `dst.length` must equal `t.byteLength`.
 */
export function readTensorData(src: ByteSource, t: GgufTensorInfo, dst?: Uint8Array): Uint8Array {
  const out = dst ?? allocBytes(t.byteLength, t.name, src.name);
  if (out.length !== t.byteLength) {
    throw new RangeError(
      `readTensorData: destination has ${out.length} bytes, tensor '${t.name}' has ${t.byteLength}`,
    );
  }
  src.readInto(t.offset, out);
  return out;
}
