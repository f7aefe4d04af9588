// AdamW with decoupled weight decay (PyTorch semantics), global-norm gradient clipping and
// per-parameter decay groups. Moments live in backend buffers next to the parameters.

import type { ParamSpec, ParamStore } from '../autograd/params.js';
import type { Backend, Buf } from '../backend/backend.js';

export interface AdamWConfig {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Clip the global gradient norm to this value (0 = no clipping). */
  gradClip: number;
  /**
   * Which parameters get weight decay: 'spec' (default) follows each ParamSpec's `decay` flag
   * (matrices yes; norms, biases and embeddings no); 'ndim' decays every tensor with two or more
   * dimensions, embeddings included — nanoGPT's rule (`p.dim() >= 2` in configure_optimizers).
   */
  decayRule?: 'spec' | 'ndim';
}

export const ADAMW_DEFAULTS: AdamWConfig = {
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-8,
  weightDecay: 0.1,
  gradClip: 1,
};

export interface StepReport {
  /** Global gradient norm before clipping (of the averaged gradient). */
  gradNorm: number;
  /** False when the gradient had a NaN/Inf and the update was skipped. */
  applied: boolean;
}

export class AdamW {
  readonly m = new Map<string, Buf>();
  readonly v = new Map<string, Buf>();
  /** Number of updates applied so far (the bias-correction step is step + 1). */
  step = 0;

  constructor(
    private readonly backend: Backend,
    private readonly params: ParamStore,
    readonly config: AdamWConfig,
  ) {
    for (const [spec, p] of params.entries()) {
      if (!p.requiresGrad) continue; // frozen: no optimiser state
      const m = backend.alloc(p.size * 4);
      const v = backend.alloc(p.size * 4);
      backend.fill(m, 0, p.size);
      backend.fill(v, 0, p.size);
      this.m.set(spec.name, m);
      this.v.set(spec.name, v);
    }
  }

  /** The global L2 norm of all live gradients times `scale`. */
  gradNorm(scale = 1): number {
    let ss = 0;
    for (const [, p] of this.params.entries()) {
      if (p.gradLive && p.grad !== null) ss += this.backend.sumSquares(p.grad, p.size);
    }
    return Math.sqrt(ss) * Math.abs(scale);
  }

  /**
   * Applies one update with learning rate `lr`. Gradients are first multiplied by `gradScale`
   * (e.g. 1/accumulation steps), then clipped by global norm. A non-finite norm skips the step.
   */
  update(lr: number, gradScale = 1): StepReport {
    const norm = this.gradNorm(gradScale);
    if (!Number.isFinite(norm)) return { gradNorm: norm, applied: false };
    let scale = gradScale;
    if (this.config.gradClip > 0 && norm > this.config.gradClip) scale *= this.config.gradClip / norm;
    this.step++;
    for (const [spec, p] of this.params.entries()) {
      if (!p.gradLive || p.grad === null) continue; // no gradient reached it this step
      this.backend.adamw(p.data, p.grad, this.m.get(spec.name)!, this.v.get(spec.name)!, {
        n: p.size,
        lr,
        beta1: this.config.beta1,
        beta2: this.config.beta2,
        eps: this.config.eps,
        weightDecay: this.decays(spec) ? this.config.weightDecay : 0,
        step: this.step,
        gradScale: scale,
      });
    }
    return { gradNorm: norm, applied: true };
  }

  /** Whether `spec` gets weight decay under the configured rule. */
  decays(spec: ParamSpec): boolean {
    return this.config.decayRule === 'ndim' ? spec.shape.length >= 2 : spec.decay;
  }

  dispose(): void {
    for (const b of this.m.values()) this.backend.free(b);
    for (const b of this.v.values()) this.backend.free(b);
  }
}
