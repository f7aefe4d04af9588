// Normalisation layers over rows of `dim` f32 values: RMSNorm (LLaMA, Qwen) and LayerNorm (GPT-2).
import type { Backend, Buf } from '../backend/backend.js';

/** A row-wise normalisation: out[rows, dim] = norm(x[rows, dim]). */
export interface Norm {
  readonly dim: number;
  forward(out: Buf, x: Buf, rows: number): void;
  dispose(): void;
}

export class RMSNorm implements Norm {
  constructor(
    readonly backend: Backend,
    /** [dim] f32 gain. */
    readonly weight: Buf,
    readonly dim: number,
    readonly eps: number,
  ) {}

  forward(out: Buf, x: Buf, rows: number): void {
    this.backend.rmsnorm(out, x, this.weight, rows, this.dim, this.eps);
  }

  dispose(): void {
    this.backend.free(this.weight);
  }
}

export class LayerNorm implements Norm {
  constructor(
    readonly backend: Backend,
    /** [dim] f32 gain. */
    readonly weight: Buf,
    /** [dim] f32 shift, or null. */
    readonly bias: Buf | null,
    readonly dim: number,
    readonly eps: number,
  ) {}

  forward(out: Buf, x: Buf, rows: number): void {
    this.backend.layernorm(out, x, this.weight, this.bias, rows, this.dim, this.eps);
  }

  dispose(): void {
    this.backend.free(this.weight);
    if (this.bias !== null) this.backend.free(this.bias);
  }
}
