// Embedding: gathers rows of a [vocab, dim] table (any weight type; dequantized on gather).
import type { Backend, Buf, Weight } from '../backend/backend.js';

export class Embedding {
  readonly backend: Backend;
  /** [count, dim] */
  readonly weight: Weight;

  constructor(backend: Backend, weight: Weight) {
    this.backend = backend;
    this.weight = weight;
  }

  get count(): number {
    return this.weight.rows;
  }

  get dim(): number {
    return this.weight.cols;
  }

  /** out[n, dim] = table[ids[i]] for i < n. */
  forward(out: Buf, ids: Int32Array, n: number): void {
    this.backend.embedding(out, this.weight, ids, n);
  }

  dispose(): void {
    this.backend.freeWeight(this.weight);
  }
}
