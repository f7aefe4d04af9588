// Finite-difference checks (float64 JS backend) of the RLHF / distillation losses' backward.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JsBackend } from '../../backend/js/index.js';
import { Graph } from '../graph.js';
import { ParamStore } from '../params.js';
import type { Var } from '../var.js';
import { add } from './elementwise.js';
import { linear } from './linear.js';
import { bradleyTerryLoss, distillLoss, ppoLoss, tokenLogProbs } from './rl.js';

/** Compares the gradient of `loss(x)` w.r.t. every element of x with central differences. */
function fdCheck(be: JsBackend, x: Var, run: (g: Graph) => Var, tol = 1e-6): void {
  const g = new Graph(be);
  const value = (): number => {
    g.reset();
    const out = g.noGrad(() => run(g));
    const h = new Float64Array(1);
    be.read(out.data, h);
    return h[0]!;
  };
  g.reset();
  x.gradLive = false;
  const out = run(g);
  g.backward(out);
  const grad = new Float64Array(x.size);
  be.read(x.grad!, grad);
  const host = new Float64Array(x.size);
  be.read(x.data, host);
  const h = 1e-6;
  let nonzero = 0;
  for (let i = 0; i < x.size; i++) {
    const o = host[i]!;
    host[i] = o + h;
    be.write(x.data, host);
    const p = value();
    host[i] = o - h;
    be.write(x.data, host);
    const m = value();
    host[i] = o;
    be.write(x.data, host);
    const fd = (p - m) / (2 * h);
    assert.ok(Math.abs(fd - grad[i]!) < tol * Math.max(1, Math.abs(fd)), `element ${i}: ${grad[i]} vs ${fd}`);
    if (Math.abs(fd) > 1e-4) nonzero++;
  }
  assert.ok(nonzero > 0, 'the check must exercise a non-zero gradient');
}

function wave(n: number, f: number, s = 1): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => s * Math.sin(i * f + 0.3));
}

test('tokenLogProbs: values and gradient (temperature 0.7, masked rows)', () => {
  const be = new JsBackend({ float64: true });
  const params = new ParamStore(be);
  const [rows, vocab] = [5, 6];
  const logits = params.add({ name: 'l', shape: [rows, vocab], decay: false }, wave(rows * vocab, 1.3, 2));
  const targets = Int32Array.from([2, -1, 5, 0, 3]);
  const w = params.add(
    { name: 'w', shape: [1, rows], decay: false },
    Float32Array.from([0.5, 9, -1.2, 2, 0.7]),
  );
  fdCheck(be, logits, (g) => linear(g, tokenLogProbs(g, logits, targets, 0.7), w));
  // Two uses of the same logits: the second backward accumulates into the first's gradient.
  fdCheck(be, logits, (g) =>
    add(
      g,
      linear(g, tokenLogProbs(g, logits, targets, 0.7), w),
      linear(g, tokenLogProbs(g, logits, targets, 1.3), w),
    ),
  );
  // Value of one row against a direct computation.
  const g = new Graph(be);
  const lp = tokenLogProbs(g, logits, targets, 0.7);
  const got = new Float64Array(rows);
  be.read(lp.data, got);
  const x = new Float64Array(rows * vocab);
  be.read(logits.data, x);
  let z = 0;
  for (let j = 0; j < vocab; j++) z += Math.exp(x[2 * vocab + j]! / 0.7);
  assert.ok(Math.abs(got[2]! - (x[2 * vocab + 5]! / 0.7 - Math.log(z))) < 1e-12);
  assert.equal(got[1], 0);
});

test('bradleyTerryLoss: gradient, accuracy and margin', () => {
  const be = new JsBackend({ float64: true });
  const params = new ParamStore(be);
  const r = params.add(
    { name: 'r', shape: [6], decay: false },
    Float32Array.from([1, -0.5, 0.2, 0.9, 3, 2.5]),
  );
  fdCheck(be, r, (g) => bradleyTerryLoss(g, r).loss);
  const s = bradleyTerryLoss(new Graph(be), r).stats;
  assert.ok(Math.abs(s.accuracy - 2 / 3) < 1e-12);
  const want = (Math.log1p(Math.exp(-1.5)) + Math.log1p(Math.exp(0.7)) + Math.log1p(Math.exp(-0.5))) / 3;
  assert.ok(Math.abs(s.loss - want) < 1e-7);
});

test('ppoLoss: gradient through clipped and unclipped branches of policy and value', () => {
  const be = new JsBackend({ float64: true });
  const params = new ParamStore(be);
  const n = 8;
  // Log-prob offsets that put some ratios outside [0.8, 1.2] and some inside.
  const lp = params.add(
    { name: 'lp', shape: [n], decay: false },
    Float32Array.from([-1, -2, -0.5, -3, -1.5, -0.2, -2.5, -1]),
  );
  const v = params.add(
    { name: 'v', shape: [n], decay: false },
    Float32Array.from([0.1, 0.5, -0.3, 1, 0.2, 0.05, 0.7, 0.4]),
  );
  const batch = {
    oldLogProbs: Float64Array.from([-1.1, -1.6, -0.5, -3.05, -1.2, -0.6, -2.5, -1]),
    oldValues: Float64Array.from([0, 0.1, -0.2, 1.5, 0.2, 0.3, 0.6, 0]),
    advantages: Float64Array.from([1, -1, 0.5, 2, -0.7, 1.3, -0.2, 0.9]),
    returns: Float64Array.from([0.3, 1, -0.3, 0, 0.1, 0.2, 1.5, 0]),
    mask: Float64Array.from([1, 1, 1, 1, 1, 1, 1, 0]),
  };
  const cfg = { clip: 0.2, clipValue: 0.2, vfCoef: 0.1 };
  fdCheck(be, lp, (g) => ppoLoss(g, lp, v, batch, cfg).loss);
  fdCheck(be, v, (g) => ppoLoss(g, lp, v, batch, cfg).loss);
  const s = ppoLoss(new Graph(be), lp, v, batch, cfg).stats;
  assert.ok(s.clipFrac > 0 && s.clipFrac < 1, `clip fraction ${s.clipFrac}`);
  assert.ok(s.valueClipFrac > 0 && s.valueClipFrac < 1, `value clip fraction ${s.valueClipFrac}`);
});

test('distillLoss: gradient and value (T = 2, α = 0.7)', () => {
  const be = new JsBackend({ float64: true });
  const params = new ParamStore(be);
  const [rows, vocab] = [4, 5];
  const logits = params.add({ name: 's', shape: [rows, vocab], decay: false }, wave(rows * vocab, 0.9, 1.5));
  const teacher = Float64Array.from(wave(rows * vocab, 2.1, 3));
  const targets = Int32Array.from([1, 4, -1, 0]);
  fdCheck(be, logits, (g) => distillLoss(g, logits, teacher, targets, 2, 0.7).loss);
  // Value against a direct computation of α·T²·KL + (1 − α)·CE over the labelled rows.
  const x = new Float64Array(rows * vocab);
  be.read(logits.data, x);
  const sm = (a: Float64Array, o: number, T: number) => {
    const e = Array.from({ length: vocab }, (_, j) => Math.exp(a[o + j]! / T));
    const z = e.reduce((p, q) => p + q, 0);
    return e.map((q) => q / z);
  };
  let kl = 0;
  let ce = 0;
  for (const r of [0, 1, 3]) {
    const ps = sm(x, r * vocab, 2);
    const pt = sm(teacher, r * vocab, 2);
    for (let j = 0; j < vocab; j++) kl += pt[j]! * Math.log(pt[j]! / ps[j]!);
    ce -= Math.log(sm(x, r * vocab, 1)[targets[r]!]!);
  }
  const want = (0.7 * 4 * kl + 0.3 * ce) / 3;
  const s = distillLoss(new Graph(be), logits, teacher, targets, 2, 0.7).stats;
  assert.ok(Math.abs(s.loss - want) < 1e-10, `${s.loss} vs ${want}`);
});
