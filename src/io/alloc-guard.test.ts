import assert from 'node:assert/strict';
import { test } from 'node:test';
import { measureAllocations } from './alloc-guard.js';

test('measureAllocations sees typed arrays, ArrayBuffers and Arrays sized by a number', () => {
  assert.equal(measureAllocations(() => new Uint8Array(5_000_000)).maxBytes, 5_000_000);
  assert.equal(measureAllocations(() => new Float64Array(1000)).maxBytes, 8000);
  assert.equal(measureAllocations(() => new ArrayBuffer(123_456)).maxBytes, 123_456);
  assert.equal(measureAllocations(() => new Array(1000)).maxBytes, 8000);
  assert.equal(measureAllocations(() => new Uint8Array([1, 2, 3])).maxBytes, 0);
  // A naive parser that trusts a declared length is caught.
  const naive = (b: Uint8Array) => new Uint8Array(new DataView(b.buffer).getUint32(0, true));
  const r = measureAllocations(() => naive(new Uint8Array([0, 0, 0, 1])));
  assert.equal(r.maxBytes, 1 << 24);
  // Globals are restored, and instanceof still works on objects made inside.
  const inside = measureAllocations(() => new Uint8Array(4)).result;
  assert.ok(inside instanceof Uint8Array);
  assert.equal(Uint8Array.name, 'Uint8Array');
});
