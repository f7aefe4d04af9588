// Optimiser helpers: sum of squares (for gradient-norm clipping) and the AdamW update.

import { ConfigError } from '../../errors.js';
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
 * PyTorch AdamW (torch.optim.AdamW, amsgrad off): g = grad·gradScale;
 * param −= lr·wd·param (decoupled decay, applied first); m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
 * param −= lr · (m / (1−β1^step)) / (sqrt(v / (1−β2^step)) + eps).
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
  const gs = p.gradScale ?? 1;
  const bc1 = 1 - beta1 ** step;
  const bc2 = 1 - beta2 ** step;
  const P = param.data;
  const G = grad.data;
  const M = m.data;
  const V = v.data;
  const decay = 1 - lr * weightDecay;
  for (let i = 0; i < n; i++) {
    const g = G[i] * gs;
    M[i] = beta1 * M[i] + (1 - beta1) * g;
    V[i] = beta2 * V[i] + (1 - beta2) * g * g;
    const mHat = M[i] / bc1;
    const vHat = V[i] / bc2;
    P[i] = P[i] * decay - (lr * mHat) / (Math.sqrt(vHat) + eps);
  }
}
