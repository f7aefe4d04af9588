// Feed-forward blocks. Both add their output into the residual stream x.
//   SwiGLU (LLaMA, Qwen): x += down(silu(gate(h)) ⊙ up(h))
//   GELU (GPT-2):         x += down(gelu(up(h) + b_up)) + b_down, GELU in its tanh or exact form
import type { Buf } from '../backend/backend.js';
import type { LinearLayer } from './linear.js';

/** Preallocated activations of a feed-forward block: two [T, ffnDim] buffers. */
export interface MlpScratch {
  /** [T, dim] normalised input */
  h: Buf;
  /** [T, ffn] */
  f1: Buf;
  /** [T, ffn] */
  f2: Buf;
}

export interface Mlp {
  /** x[T, dim] += mlp(s.h) */
  forward(x: Buf, s: MlpScratch, t: number): void;
  dispose(): void;
}

export class SwiGLU implements Mlp {
  constructor(
    public ffn_gate: LinearLayer,
    public ffn_up: LinearLayer,
    public ffn_down: LinearLayer,
  ) {}

  forward(x: Buf, s: MlpScratch, t: number): void {
    const f = this.ffn_gate.outFeatures;
    this.ffn_gate.forward(s.f1, s.h, t); // [T, F]
    this.ffn_up.forward(s.f2, s.h, t); // [T, F]
    this.ffn_gate.backend.swiglu(s.f1, s.f1, s.f2, t * f);
    this.ffn_down.forward(x, s.f1, t, true); // x[T, D] += f1·Wdownᵀ
  }

  dispose(): void {
    this.ffn_gate.dispose();
    this.ffn_up.dispose();
    this.ffn_down.dispose();
  }
}

export class GeluMlp implements Mlp {
  constructor(
    public ffn_up: LinearLayer,
    public ffn_down: LinearLayer,
    /** 'tanh': GPT-2's `gelu_new`; 'erf': the exact GELU. */
    public form: 'tanh' | 'erf' = 'tanh',
  ) {}

  forward(x: Buf, s: MlpScratch, t: number): void {
    const f = this.ffn_up.outFeatures;
    this.ffn_up.forward(s.f1, s.h, t); // [T, F] (+ bias)
    if (this.form === 'erf') this.ffn_up.backend.geluErf(s.f1, s.f1, t * f);
    else this.ffn_up.backend.gelu(s.f1, s.f1, t * f);
    this.ffn_down.forward(x, s.f1, t, true); // x[T, D] += f1·Wdownᵀ (+ bias)
  }

  dispose(): void {
    this.ffn_up.dispose();
    this.ffn_down.dispose();
  }
}
