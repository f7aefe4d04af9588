// Gradient routing through `add`: an add hands its output gradient to one input instead of copying
// it (Graph.adoptGrad). Graphs that share inputs must still give exactly the gradient of the
// equivalent unshared graph (everything here is exact in float64: sums of small multiples of r).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JsBackend } from '../../backend/js/index.js';
import { Graph } from '../graph.js';
import { ParamStore } from '../params.js';
import type { Var } from '../var.js';
import { add, scale } from './elementwise.js';
import { crossEntropy } from './loss.js';

function gradOf(build: (g: Graph, p: Var) => Var): Float64Array {
  const be = new JsBackend({ float64: true });
  const params = new ParamStore(be);
  const p = params.add(
    { name: 'p', shape: [2, 3], decay: false },
    Float32Array.from([0.1, -0.2, 0.3, 0.5, 0.05, -0.4]),
  );
  const g = new Graph(be);
  params.zeroGrad();
  g.backward(crossEntropy(g, build(g, p), Int32Array.from([2, 0])).loss);
  const out = new Float64Array(6);
  be.read(p.grad!, out);
  return out;
}

test('add(a, a) = 2a: both terms reach a (no adoption of a shared buffer)', () => {
  const shared = gradOf((g, p) => {
    const a = scale(g, p, 1);
    return add(g, a, a);
  });
  assert.deepEqual(
    shared,
    gradOf((g, p) => scale(g, p, 2)),
  );
});

test('an adopted gradient buffer that an earlier consumer then accumulates into stays exact', () => {
  // x = p; s = 2x; y = x + s = 3p: y's gradient is adopted by x, then s's backward adds into it.
  const routed = gradOf((g, p) => {
    const x = scale(g, p, 1);
    return add(g, x, scale(g, x, 2));
  });
  assert.deepEqual(
    routed,
    gradOf((g, p) => scale(g, p, 3)),
  );
});

test('chained adds with a reused input: z = (a + b) + a = 4p', () => {
  const chained = gradOf((g, p) => {
    const a = scale(g, p, 1);
    const b = scale(g, p, 2);
    return add(g, add(g, a, b), a);
  });
  assert.deepEqual(
    chained,
    gradOf((g, p) => scale(g, p, 4)),
  );
});
