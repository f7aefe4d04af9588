// The KV cache of one sequence: for every layer, K and V rows [capacity, nKvHead·headDim].
// One allocation per tensor: layer l starts at row l·capacity.
//
// Storage types (SessionOptions.cacheType):
//   f32   4 bytes per value (rows of f32)
//   q8_0  34 bytes per 32 values (ggml Q8_0 blocks: f16 d + 32 int8), 34/128 of f32 (~3.8× smaller;
//         0.53× an f16 cache, llama.cpp's default). Rows are quantized on write (Backend.quantizeRows)
//         as llama.cpp's `--cache-type-k q8_0 --cache-type-v q8_0` does; needs headDim % 32 == 0.
import type { Backend, Buf } from '../backend/backend.js';
import { UnsupportedError, UsageError } from '../errors.js';
import { GgmlType } from '../tensor/dtype.js';

/** KV-cache storage types by their CLI / option name. */
export type KVCacheType = 'f32' | 'q8_0';
export const KV_CACHE_TYPES: readonly KVCacheType[] = ['f32', 'q8_0'];

/** The GGML type of a cache type name; UsageError naming `field` for anything else. */
export function kvCacheGgmlType(name: string, field = 'cacheType'): GgmlType.F32 | GgmlType.Q8_0 {
  if (name === 'f32') return GgmlType.F32;
  if (name === 'q8_0') return GgmlType.Q8_0;
  throw new UsageError(`${field} must be one of ${KV_CACHE_TYPES.join(', ')}, got "${name}"`, { field });
}

/** Bytes of one cache row of kvDim values in `type`. */
function rowBytesOf(type: GgmlType.F32 | GgmlType.Q8_0, kvDim: number): number {
  return type === GgmlType.F32 ? kvDim * 4 : (kvDim / 32) * 34;
}

export class KVCache {
  readonly backend: Backend;
  readonly nLayer: number;
  readonly capacity: number;
  /** nKvHead · headDim */
  readonly kvDim: number;
  /** Storage type of K and V rows. */
  readonly type: GgmlType.F32 | GgmlType.Q8_0;
  /** Bytes of one row (kvDim values). */
  readonly rowBytes: number;
  /** [nLayer, capacity, kvDim] in `type` */
  readonly k: Buf;
  /** [nLayer, capacity, kvDim] in `type` */
  readonly v: Buf;

  /**
   * @param headDim the attention head size, checked for a Q8_0 cache (each head's row must be whole
   *   Q8_0 blocks); defaults to kvDim.
   */
  constructor(
    backend: Backend,
    nLayer: number,
    capacity: number,
    kvDim: number,
    type: GgmlType.F32 | GgmlType.Q8_0 = GgmlType.F32,
    headDim = kvDim,
  ) {
    if (type !== GgmlType.F32 && type !== GgmlType.Q8_0) {
      throw new UnsupportedError(`KV cache: storage type ${type} is not supported (f32, q8_0)`, {
        field: 'cacheType',
      });
    }
    if (type === GgmlType.Q8_0 && (headDim % 32 !== 0 || kvDim % 32 !== 0)) {
      throw new UnsupportedError(
        `cacheType q8_0 needs a head size that is a multiple of 32; this model's head size is ${headDim} (use cacheType f32)`,
        { field: 'cacheType' },
      );
    }
    this.backend = backend;
    this.nLayer = nLayer;
    this.capacity = capacity;
    this.kvDim = kvDim;
    this.type = type;
    this.rowBytes = rowBytesOf(type, kvDim);
    const bytes = nLayer * capacity * this.rowBytes;
    this.k = backend.alloc(bytes);
    try {
      this.v = backend.alloc(bytes);
    } catch (e) {
      backend.free(this.k);
      throw e;
    }
  }

  /** Bytes of a cache with these sizes (both K and V). */
  static bytes(
    nLayer: number,
    capacity: number,
    kvDim: number,
    type: GgmlType.F32 | GgmlType.Q8_0 = GgmlType.F32,
  ): number {
    return 2 * nLayer * capacity * rowBytesOf(type, kvDim);
  }

  /** Bytes this cache holds (K and V). */
  get bytes(): number {
    return 2 * this.nLayer * this.capacity * this.rowBytes;
  }

  /**
   * Offset of layer `layer`'s first row in the unit AttentionParams.offK/offV expects for this
   * cache's type: f32 elements for F32, bytes for Q8_0.
   */
  layerOffset(layer: number): number {
    const rows = layer * this.capacity;
    return this.type === GgmlType.F32 ? rows * this.kvDim : rows * this.rowBytes;
  }

  /** Writes `n` rows of new keys and values (dense f32 [n, kvDim] at row `srcRow`) to positions pos.. */
  put(layer: number, pos: number, k: Buf, v: Buf, srcRow: number, n: number): void {
    const b = this.backend;
    const src = srcRow * this.kvDim;
    const rows = layer * this.capacity + pos;
    if (this.type === GgmlType.F32) {
      const dst = rows * this.kvDim;
      b.copy(this.k, k, n * this.kvDim, dst, src);
      b.copy(this.v, v, n * this.kvDim, dst, src);
      return;
    }
    const dst = rows * this.rowBytes;
    b.quantizeRows(this.k, k, n, this.kvDim, this.type, dst, src);
    b.quantizeRows(this.v, v, n, this.kvDim, this.type, dst, src);
  }

  dispose(): void {
    this.backend.free(this.k);
    this.backend.free(this.v);
  }
}
