// Row softmax (scaled, optionally causal), cross-entropy and their backward kernels.

import { ShapeError } from '../../errors.js';
import { checkCount, type JsBuf, need } from './buf.js';

/** Row softmax of x·scale; with `causalPos0`, row r keeps columns 0 .. causalPos0 + r (others 0). */
export function softmax(
  out: JsBuf,
  x: JsBuf,
  rows: number,
  cols: number,
  scale = 1,
  causalPos0?: number,
): void {
  const op = 'softmax';
  checkCount(op, 'rows', rows);
  checkCount(op, 'cols', cols);
  if (causalPos0 !== undefined) checkCount(op, 'causalPos0', causalPos0);
  need(op, 'out', out, rows * cols);
  need(op, 'x', x, rows * cols);
  const X = x.data;
  const O = out.data;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const visible = causalPos0 === undefined ? cols : Math.min(cols, causalPos0 + r + 1);
    let max = -Infinity;
    for (let c = 0; c < visible; c++) max = Math.max(max, X[o + c] * scale);
    let sum = 0;
    for (let c = 0; c < visible; c++) sum += Math.exp(X[o + c] * scale - max);
    for (let c = 0; c < visible; c++) O[o + c] = Math.exp(X[o + c] * scale - max) / sum;
    for (let c = visible; c < cols; c++) O[o + c] = 0;
  }
}

/** dx = y ⊙ (dout − rowsum(dout ⊙ y)) · scale. */
export function softmaxBackward(
  dx: JsBuf,
  dout: JsBuf,
  y: JsBuf,
  rows: number,
  cols: number,
  scale = 1,
): void {
  const op = 'softmaxBackward';
  checkCount(op, 'rows', rows);
  checkCount(op, 'cols', cols);
  for (const [name, b] of [
    ['dx', dx],
    ['dout', dout],
    ['y', y],
  ] as const) {
    need(op, name, b, rows * cols);
  }
  const D = dout.data;
  const Y = y.data;
  const DX = dx.data;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let dot = 0;
    for (let c = 0; c < cols; c++) dot += D[o + c] * Y[o + c];
    for (let c = 0; c < cols; c++) DX[o + c] = Y[o + c] * (D[o + c] - dot) * scale;
  }
}

function checkTargets(op: string, targets: Int32Array, rows: number, vocab: number): void {
  if (targets.length < rows) {
    throw new ShapeError(`${op}: targets holds ${targets.length} entries but needs ${rows}`, {
      field: 'targets',
    });
  }
  for (let r = 0; r < rows; r++) {
    if (targets[r] >= vocab) {
      throw new ShapeError(`${op}: targets[${r}] = ${targets[r]} is outside the vocabulary of ${vocab}`, {
        field: 'targets',
      });
    }
  }
}

/** logsumexp of row `o .. o+vocab` of L. */
function logSumExp(L: Float32Array | Float64Array, o: number, vocab: number): number {
  let max = -Infinity;
  for (let c = 0; c < vocab; c++) max = Math.max(max, L[o + c]);
  let sum = 0;
  for (let c = 0; c < vocab; c++) sum += Math.exp(L[o + c] - max);
  return max + Math.log(sum);
}

/** losses[r] = logsumexp(logits[r]) − logits[r, targets[r]]; a negative target gives 0. */
export function crossEntropy(
  losses: JsBuf,
  logits: JsBuf,
  targets: Int32Array,
  rows: number,
  vocab: number,
): void {
  const op = 'crossEntropy';
  checkCount(op, 'rows', rows);
  checkCount(op, 'vocab', vocab);
  need(op, 'losses', losses, rows);
  need(op, 'logits', logits, rows * vocab);
  checkTargets(op, targets, rows, vocab);
  const L = logits.data;
  for (let r = 0; r < rows; r++) {
    const t = targets[r];
    losses.data[r] = t < 0 ? 0 : logSumExp(L, r * vocab, vocab) - L[r * vocab + t];
  }
}

/** dlogits = (softmax(logits) − onehot(target)) · scale; rows with a negative target get 0. */
export function crossEntropyBackward(
  dlogits: JsBuf,
  logits: JsBuf,
  targets: Int32Array,
  rows: number,
  vocab: number,
  scale: number,
): void {
  const op = 'crossEntropyBackward';
  checkCount(op, 'rows', rows);
  checkCount(op, 'vocab', vocab);
  need(op, 'dlogits', dlogits, rows * vocab);
  need(op, 'logits', logits, rows * vocab);
  checkTargets(op, targets, rows, vocab);
  const L = logits.data;
  const G = dlogits.data;
  for (let r = 0; r < rows; r++) {
    const o = r * vocab;
    const t = targets[r];
    if (t < 0) {
      G.fill(0, o, o + vocab);
      continue;
    }
    const lse = logSumExp(L, o, vocab);
    for (let c = 0; c < vocab; c++) G[o + c] = (Math.exp(L[o + c] - lse) - (c === t ? 1 : 0)) * scale;
  }
}
