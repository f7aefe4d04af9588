// Whole-network gradient checks: autograd gradients of tiny LLaMA and GPT-2 nets against central
// finite differences of the loss, everything in float64 on the JS reference backend.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Graph, ParamStore } from '../../autograd/index.js';
import { JsBackend } from '../../backend/js/index.js';
import { Rng } from '../rng.js';
import { NETS, type NetConfig, netLoss } from './index.js';

function f64Loss(
  be: JsBackend,
  g: Graph,
  params: ParamStore,
  c: NetConfig,
  x: Int32Array,
  y: Int32Array,
  b: number,
  t: number,
): number {
  g.reset();
  const logits = g.noGrad(() => NETS[c.arch].logits(g, params, c, x, b, t));
  const v = c.vocabSize;
  const host = new Float64Array(b * t * v);
  be.read(logits.data, host);
  let sum = 0;
  for (let r = 0; r < b * t; r++) {
    let max = -Infinity;
    for (let j = 0; j < v; j++) max = Math.max(max, host[r * v + j]!);
    let s = 0;
    for (let j = 0; j < v; j++) s += Math.exp(host[r * v + j]! - max);
    sum += Math.log(s) + max - host[r * v + y[r]!]!;
  }
  return sum / (b * t);
}

function check(c: NetConfig): void {
  const be = new JsBackend({ float64: true });
  const params = new ParamStore(be);
  NETS[c.arch].init(params, c, new Rng(7));
  // Larger weights than the 0.02 init so that every path carries gradient signal.
  for (const [, p] of params.entries()) {
    const host = new Float64Array(p.size);
    be.read(p.data, host);
    const r = new Rng(p.size);
    for (let i = 0; i < host.length; i++) host[i] = host[i]! * 10 + 0.1 * r.normal();
    be.write(p.data, host);
  }
  const b = 2;
  const t = 5;
  const rng = new Rng(3);
  const x = Int32Array.from({ length: b * t }, () => rng.int(c.vocabSize));
  const y = Int32Array.from({ length: b * t }, () => rng.int(c.vocabSize));
  const g = new Graph(be);
  params.zeroGrad();
  const res = netLoss(g, params, c, x, y, b, t);
  g.backward(res.loss);
  assert.ok(Math.abs(res.value - f64Loss(be, g, params, c, x, y, b, t)) < 1e-5, 'loss value');
  const h = 1e-5;
  let checked = 0;
  let worst = 0;
  for (const [spec, p] of params.entries()) {
    assert.ok(p.gradLive, `${spec.name} received a gradient`);
    const grad = new Float64Array(p.size);
    be.read(p.grad!, grad);
    const host = new Float64Array(p.size);
    be.read(p.data, host);
    const pick = new Rng(spec.name.length * 31 + p.size);
    for (let s = 0; s < 3; s++) {
      const i = pick.int(p.size);
      const orig = host[i]!;
      host[i] = orig + h;
      be.write(p.data, host);
      const lp = f64Loss(be, g, params, c, x, y, b, t);
      host[i] = orig - h;
      be.write(p.data, host);
      const lm = f64Loss(be, g, params, c, x, y, b, t);
      host[i] = orig;
      be.write(p.data, host);
      const fd = (lp - lm) / (2 * h);
      // Relative error, with an absolute floor for the finite-difference noise (~1e-11 here).
      const diff = Math.abs(fd - grad[i]!);
      const bound = 1e-5 * (Math.abs(fd) + Math.abs(grad[i]!)) + 1e-9;
      worst = Math.max(worst, diff / bound);
      assert.ok(diff <= bound, `${spec.name}[${i}]: autograd ${grad[i]} vs finite difference ${fd}`);
      checked++;
    }
  }
  assert.ok(checked > 20);
  assert.ok(worst <= 1);
}

test('llama net: autograd gradients match finite differences (float64)', () => {
  check({
    arch: 'llama',
    vocabSize: 11,
    dim: 8,
    nLayer: 2,
    nHead: 2,
    nKvHead: 1,
    ffnDim: 12,
    contextLength: 16,
    ropeTheta: 10000,
    normEps: 1e-5,
    tiedEmbeddings: true,
  });
});

test('gpt2 net: autograd gradients match finite differences (float64)', () => {
  check({
    arch: 'gpt2',
    vocabSize: 11,
    dim: 8,
    nLayer: 2,
    nHead: 2,
    ffnDim: 16,
    contextLength: 8,
    normEps: 1e-5,
  });
});

test('gpt2 net with the exact GELU: autograd gradients match finite differences (float64)', () => {
  check({
    arch: 'gpt2',
    vocabSize: 11,
    dim: 8,
    nLayer: 2,
    nHead: 2,
    ffnDim: 16,
    contextLength: 8,
    normEps: 1e-5,
    gelu: 'erf',
  });
});

test('gpt2 net with bias: false keeps its biases at zero and frozen (nanoGPT bias=False)', () => {
  const be = new JsBackend();
  const c: NetConfig = {
    arch: 'gpt2',
    vocabSize: 11,
    dim: 8,
    nLayer: 1,
    nHead: 2,
    ffnDim: 16,
    contextLength: 8,
    normEps: 1e-5,
    bias: false,
  };
  const params = new ParamStore(be);
  NETS.gpt2.init(params, c, new Rng(7));
  const g = new Graph(be);
  const x = Int32Array.from([1, 2, 3, 4]);
  params.zeroGrad();
  g.backward(netLoss(g, params, c, x, Int32Array.from([2, 3, 4, 5]), 1, 4).loss);
  let biases = 0;
  for (const [spec, p] of params.entries()) {
    const isBias = spec.name.endsWith('.bias');
    if (isBias) biases++;
    assert.equal(p.requiresGrad, !isBias, spec.name);
    if (isBias) assert.ok(params.read(spec.name).every((v) => v === 0));
  }
  assert.equal(biases, 9); // 8 per layer (2 norms, q, k, v, output, up, down) + the final norm
});
