// GGUF data model: metadata value types (gguf.h `enum gguf_type`), values and tensor infos.
import type { GgmlType } from '../../tensor/dtype.js';

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_DEFAULT_ALIGNMENT = 32;
export const GGUF_KEY_ALIGNMENT = 'general.alignment';

export enum GgufValueType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
}

/** Byte size of a fixed-size value type; 0 for STRING and ARRAY. */
export function valueTypeSize(t: GgufValueType): number {
  switch (t) {
    case GgufValueType.UINT8:
    case GgufValueType.INT8:
    case GgufValueType.BOOL:
      return 1;
    case GgufValueType.UINT16:
    case GgufValueType.INT16:
      return 2;
    case GgufValueType.UINT32:
    case GgufValueType.INT32:
    case GgufValueType.FLOAT32:
      return 4;
    case GgufValueType.UINT64:
    case GgufValueType.INT64:
    case GgufValueType.FLOAT64:
      return 8;
    default:
      return 0;
  }
}

export function isValueType(t: number): t is GgufValueType {
  return Number.isInteger(t) && t >= 0 && t <= 12;
}

export type GgufNumericArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array
  | BigUint64Array
  | BigInt64Array;

/**
 * An array value. `values` is a typed array for numeric item types (BigUint64Array/BigInt64Array
 * for 64-bit integers), `boolean[]` for BOOL, `string[]` for STRING and `GgufArray[]` for
 * nested arrays.
 */
export interface GgufArray {
  readonly itemType: GgufValueType;
  readonly values: GgufNumericArray | boolean[] | string[] | GgufArray[];
}

/**
 * A metadata value: number for 8/16/32-bit integers and floats, bigint for UINT64/INT64
 * (always, so values above 2^53 stay exact), boolean, string, or array.
 */
export type GgufValue = number | bigint | boolean | string | GgufArray;

export interface GgufKv {
  readonly type: GgufValueType;
  readonly value: GgufValue;
}

export interface GgufTensorInfo {
  readonly name: string;
  readonly type: GgmlType;
  /** Dimensions in GGML `ne` order: shape[0] is the row length (fastest varying). */
  readonly shape: readonly number[];
  /** Number of elements (product of shape). */
  readonly elements: number;
  /** Absolute byte offset of the data in the file. */
  readonly offset: number;
  /** Bytes of data (without alignment padding). */
  readonly byteLength: number;
}

export interface Gguf {
  /** The source name (file path), for error messages. */
  readonly file: string;
  readonly version: number;
  /** Metadata in file order. */
  readonly metadata: ReadonlyMap<string, GgufKv>;
  /** Tensor infos in file order (which is also data order). */
  readonly tensors: readonly GgufTensorInfo[];
  readonly alignment: number;
  /** Absolute offset of the tensor data section. */
  readonly dataOffset: number;
  /** Total size of the file. */
  readonly fileSize: number;
}
