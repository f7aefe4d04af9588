// Runs the conformance suite on the JS backend itself (f32 and float64 storage) so the harness,
// the cases and their tolerances are exercised on every test run; checks that the suite covers
// the whole Backend interface and that it catches a slightly wrong kernel.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Backend, Buf } from '../backend.js';
import { JsBackend } from '../js/index.js';
import { allCases, caseSeed } from './cases.js';
import { compareArrays } from './compare.js';
import { CONFORMANCE_OPS, defineConformanceTests } from './conformance-node.js';
import { CaseContext } from './context.js';

defineConformanceTests('js vs js', () => new JsBackend());
defineConformanceTests('js float64 vs js', () => new JsBackend({ float64: true }));

/** Every compute method of the Backend interface (memory methods are the `memory` op). */
const INTERFACE_OPS: (keyof Backend)[] = [
  'matmul',
  'linear',
  'embedding',
  'rmsnorm',
  'layernorm',
  'softmax',
  'rope',
  'attention',
  'add',
  'mul',
  'scale',
  'addBias',
  'silu',
  'gelu',
  'swiglu',
  'crossEntropy',
  'crossEntropyBackward',
  'rmsnormBackward',
  'layernormBackward',
  'softmaxBackward',
  'siluBackward',
  'geluBackward',
  'swigluBackward',
  'embeddingBackward',
  'attentionTrain',
  'attentionTrainBackward',
  'sumSquares',
  'adamw',
];

test('the suite covers every op of the Backend interface', () => {
  for (const op of INTERFACE_OPS) assert.ok(CONFORMANCE_OPS.includes(op), `op ${op} is not covered`);
  assert.ok(CONFORMANCE_OPS.includes('memory'));
});

test('skip options must name a known op and give a reason', () => {
  const make = () => new JsBackend();
  assert.throws(() => defineConformanceTests('x', make, { skip: { nosuchop: 'why' } }));
  assert.throws(() => defineConformanceTests('x', make, { skip: { gelu: ' ' } }));
});

/** A JsBackend whose gelu is off by 1e-4 relative: the suite must flag it. */
class BrokenGelu extends JsBackend {
  override gelu(out: Buf, x: Buf, n: number): void {
    super.gelu(out, x, n);
    super.scale(out, out, 1 + 1e-4, n);
  }
}

test('the gelu cases catch a kernel that is 1e-4 off', () => {
  const ref = new JsBackend();
  const bad = new BrokenGelu();
  let caught = 0;
  for (const c of allCases().filter((x) => x.op === 'gelu')) {
    const seed = caseSeed(c, 1);
    const want = c.run(new CaseContext(ref, seed)).out as Float32Array;
    const got = c.run(new CaseContext(bad, seed)).out as Float32Array;
    if (compareArrays(got, want, c.tol) !== null) caught++;
  }
  assert.equal(caught, allCases().filter((x) => x.op === 'gelu').length);
});
