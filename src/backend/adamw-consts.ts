// The per-step scalars of the AdamW update, rounded to f32 as PyTorch's single-tensor AdamW uses
// them on f32 parameters (Python floats applied to f32 tensors compute in f32). Shared by the JS
// reference (src/backend/js/optim.ts) and the WASM kernel (kernels/train.ts), which then do the
// same f32 operations in the same order and agree bit for bit.
import type { AdamWParams } from './backend.js';

export interface AdamWScalars {
  /** Gradient multiplier (clipping, accumulation averaging). */
  gs: number;
  /** Decoupled weight decay factor 1 − lr·wd (param.mul_ before the update). */
  decay: number;
  /** lerp weight 1 − β1 of exp_avg.lerp_(grad, 1 − β1). */
  w1: number;
  beta2: number;
  /** 1 − β2, the addcmul value of exp_avg_sq. */
  c2: number;
  /** sqrt(1 − β2^step). */
  bc2Sqrt: number;
  /** −lr / (1 − β1^step), the addcdiv value. */
  negStep: number;
  eps: number;
}

export function adamwScalars(p: AdamWParams): AdamWScalars {
  const f = Math.fround;
  return {
    gs: f(p.gradScale ?? 1),
    decay: f(1 - p.lr * p.weightDecay),
    w1: f(1 - p.beta1),
    beta2: f(p.beta2),
    c2: f(1 - p.beta2),
    bc2Sqrt: f(Math.sqrt(1 - p.beta2 ** p.step)),
    negStep: f(-(p.lr / (1 - p.beta1 ** p.step))),
    eps: f(p.eps),
  };
}
