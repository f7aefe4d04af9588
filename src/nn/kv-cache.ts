// The KV cache of one sequence: for every layer, K and V rows [capacity, nKvHead·headDim], f32.
// One allocation per tensor: layer l starts at element l·capacity·kvDim.
import type { Backend, Buf } from '../backend/backend.js';

export class KVCache {
  readonly backend: Backend;
  readonly nLayer: number;
  readonly capacity: number;
  /** nKvHead · headDim */
  readonly kvDim: number;
  /** [nLayer, capacity, kvDim] */
  readonly k: Buf;
  /** [nLayer, capacity, kvDim] */
  readonly v: Buf;

  constructor(backend: Backend, nLayer: number, capacity: number, kvDim: number) {
    this.backend = backend;
    this.nLayer = nLayer;
    this.capacity = capacity;
    this.kvDim = kvDim;
    const bytes = nLayer * capacity * kvDim * 4;
    this.k = backend.alloc(bytes);
    try {
      this.v = backend.alloc(bytes);
    } catch (e) {
      backend.free(this.k);
      throw e;
    }
  }

  /** Bytes of a cache with these sizes (both K and V). */
  static bytes(nLayer: number, capacity: number, kvDim: number): number {
    return 2 * nLayer * capacity * kvDim * 4;
  }

  /** Element offset of layer `layer`'s first row. */
  layerOffset(layer: number): number {
    return layer * this.capacity * this.kvDim;
  }

  /** Copies `n` rows of new keys and values (dense [n, kvDim] at row `srcRow`) to positions pos.. */
  put(layer: number, pos: number, k: Buf, v: Buf, srcRow: number, n: number): void {
    const dst = this.layerOffset(layer) + pos * this.kvDim;
    const src = srcRow * this.kvDim;
    this.backend.copy(this.k, k, n * this.kvDim, dst, src);
    this.backend.copy(this.v, v, n * this.kvDim, dst, src);
  }

  dispose(): void {
    this.backend.free(this.k);
    this.backend.free(this.v);
  }
}
