import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GgmlType, rowBytes, typeByName, typeTraits } from './dtype.js';

test('block layouts match GGML', () => {
  assert.equal(typeTraits(GgmlType.Q8_0).typeSize, 34);
  assert.equal(typeTraits(GgmlType.Q4_K).typeSize, 144);
  assert.equal(typeTraits(GgmlType.Q6_K).typeSize, 210);
  assert.equal(rowBytes(GgmlType.Q4_0, 4096), 128 * 18);
  assert.equal(rowBytes(GgmlType.Q4_0, 33), undefined);
  assert.equal(typeByName('Q5_K'), GgmlType.Q5_K);
  assert.equal(typeByName('nope'), undefined);
});
