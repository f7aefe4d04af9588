// A checkpoint seen by the model code: named tensors in their file's block format, whatever the
// container (GGUF, safetensors, llama2.c). Shapes are row-major, outermost first: a matrix is
// [rows, cols] = [out_features, in_features] (GGUF's ne reversed).
import type { GgmlType } from '../../tensor/dtype.js';

export interface TensorEntry {
  readonly name: string;
  readonly type: GgmlType;
  readonly shape: readonly number[];
  readonly byteLength: number;
  /** Fills `dst` (byteLength bytes) with the tensor's raw bytes. */
  readInto(dst: Uint8Array): void;
}

export type CheckpointFormat = 'gguf' | 'hf' | 'llama2c';

export interface Checkpoint {
  readonly format: CheckpointFormat;
  /** For error messages. */
  readonly file: string;
  get(name: string): TensorEntry | undefined;
  names(): Iterable<string>;
}

/** A checkpoint over an in-memory map (tests, llama2.c, converted tensors). */
export class MapCheckpoint implements Checkpoint {
  constructor(
    readonly format: CheckpointFormat,
    readonly file: string,
    private readonly map: ReadonlyMap<string, TensorEntry>,
  ) {}

  get(name: string): TensorEntry | undefined {
    return this.map.get(name);
  }

  names(): Iterable<string> {
    return this.map.keys();
  }
}

/** A tensor entry over bytes already in memory. */
export function memoryTensor(
  name: string,
  type: GgmlType,
  shape: readonly number[],
  bytes: Uint8Array,
): TensorEntry {
  return {
    name,
    type,
    shape,
    byteLength: bytes.length,
    readInto(dst: Uint8Array): void {
      dst.set(bytes.subarray(0, dst.length));
    },
  };
}
