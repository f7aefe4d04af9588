// Optimiser helpers: sum of squares (for gradient-norm clipping) and the AdamW update.

import { ConfigError } from '../../errors.js';
import { adamwScalars } from '../adamw-consts.js';
import type { AdamWParams } from '../backend.js';
import { checkCount, checkPositive, type JsBuf, need } from './buf.js';

/** Σ x² over n elements, accumulated in f64. */
export function sumSquares(x: JsBuf, n: number): number {
  checkCount('sumSquares', 'n', n);
  need('sumSquares', 'x', x, n);
  const X = x.data;
  let s = 0;
  for (let i = 0; i < n; i++) s += X[i] * X[i];
  return s;
}

/**
 * PyTorch's single-tensor AdamW (torch.optim.AdamW, amsgrad off, foreach/fused off) on f32
 * parameters, every operation rounded to f32 in PyTorch's order: g = grad·gs;
 * param.mul_(1 − lr·wd); exp_avg.lerp_(g, 1 − β1); exp_avg_sq.mul_(β2).addcmul_(g, g, 1 − β2);
 * denom = sqrt(exp_avg_sq) / sqrt(1 − β2^step) + eps; param.addcdiv_(exp_avg, denom,
 * −lr / (1 − β1^step)). The scalars come from adamwScalars (src/backend/adamw-consts.ts).
 */
export function adamw(param: JsBuf, grad: JsBuf, m: JsBuf, v: JsBuf, p: AdamWParams): void {
  const op = 'adamw';
  const { n, lr, beta1, beta2, eps, weightDecay, step } = p;
  checkCount(op, 'n', n);
  checkPositive(op, 'step', step);
  for (const [name, val] of [
    ['lr', lr],
    ['beta1', beta1],
    ['beta2', beta2],
    ['eps', eps],
    ['weightDecay', weightDecay],
  ] as const) {
    if (!Number.isFinite(val))
      throw new ConfigError(`${op}: ${name} must be finite, got ${val}`, { field: name });
  }
  for (const [name, b] of [
    ['param', param],
    ['grad', grad],
    ['m', m],
    ['v', v],
  ] as const) {
    need(op, name, b, n);
  }
  const c = adamwScalars(p);
  const f = Math.fround;
  const P = param.data;
  const G = grad.data;
  const M = m.data;
  const V = v.data;
  const lerpLow = c.w1 < 0.5; // at::lerp: self + w·(end − self), or end − (end − self)·(1 − w)
  const w1c = f(1 - c.w1);
  for (let i = 0; i < n; i++) {
    const g = f(G[i] * c.gs);
    const p1 = f(P[i] * c.decay);
    const d = f(g - M[i]);
    const mi = lerpLow ? f(M[i] + f(c.w1 * d)) : f(g - f(d * w1c));
    const vi = f(f(V[i] * c.beta2) + f(f(c.c2 * g) * g));
    M[i] = mi;
    V[i] = vi;
    const denom = f(f(f(Math.sqrt(vi)) / c.bc2Sqrt) + c.eps);
    P[i] = f(p1 + f(f(c.negStep * mi) / denom));
  }
}
