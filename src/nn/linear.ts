// Linear: y[m, out] = x[m, in] · Wᵀ (+ b). W is a backend `Weight` of any block type (F32, F16,
// BF16, Q8_0, Q4_K, ...); quantized and LoRA variants wrap this class instead of being families.
import type { Backend, Buf, Weight } from '../backend/backend.js';

/**
 * What the blocks call: a Linear, or a wrapper around one (LoRA adds a low-rank update, a
 * quantized wrapper swaps the weight). Block properties holding layers are writable so such a
 * wrapper can be put in place after loading.
 */
export interface LinearLayer {
  readonly backend: Backend;
  readonly inFeatures: number;
  readonly outFeatures: number;
  forward(out: Buf, x: Buf, m: number, accumulate?: boolean, offX?: number, offOut?: number): void;
  dispose(): void;
}

export class Linear implements LinearLayer {
  readonly backend: Backend;
  /** [out, in] in the file's block format. */
  readonly weight: Weight;
  /** [out] f32, or null. */
  readonly bias: Buf | null;

  constructor(backend: Backend, weight: Weight, bias: Buf | null = null) {
    this.backend = backend;
    this.weight = weight;
    this.bias = bias;
  }

  get inFeatures(): number {
    return this.weight.cols;
  }

  get outFeatures(): number {
    return this.weight.rows;
  }

  /**
   * out[m, out] (+)= x[m, in] · Wᵀ + b. With `accumulate` the product (and bias) is added to
   * `out` (a residual add). Offsets are in f32 elements; the bias path needs offOut = 0.
   */
  forward(out: Buf, x: Buf, m: number, accumulate = false, offX = 0, offOut = 0): void {
    this.backend.linear(out, x, this.weight, m, accumulate, offX, offOut);
    if (this.bias !== null) {
      if (offOut !== 0) throw new RangeError('Linear.forward: a bias needs offOut = 0');
      this.backend.addBias(out, out, this.bias, m, this.weight.rows);
    }
  }

  dispose(): void {
    this.backend.freeWeight(this.weight);
    if (this.bias !== null) this.backend.free(this.bias);
  }
}
