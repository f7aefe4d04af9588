// Special-token partitioning rules (llama.cpp's sequential rule and the leftmost-longest rule).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LongestMatcher, partitionLlama } from './special.js';

test('leftmost-longest matching, regex characters in token text', () => {
  const m = new LongestMatcher([
    { text: '<fim-prefix>', id: 1 },
    { text: '<|a|>', id: 2 },
    { text: '<|a|><|a|>', id: 3 },
    { text: '[x]*', id: 4 },
  ]);
  assert.deepEqual(m.partition('q<fim-prefix>r<|a|><|a|><|a|>[x]*'), ['q', 1, 'r', 3, 2, 4]);
  assert.deepEqual(m.partition('none here'), ['none here']);
});

test('lstrip / rstrip eat neighbouring whitespace', () => {
  const m = new LongestMatcher([{ text: '<m>', id: 7, lstrip: true, rstrip: true }]);
  assert.deepEqual(m.partition('a  <m>  b'), ['a', 7, 'b']);
  const l = partitionLlama('a  <m>\t b', [{ text: '<m>', id: 7, rstrip: true }]);
  assert.deepEqual(l, ['a  ', 7, 'b']);
});

test("llama.cpp's rule: longer tokens first over the whole text", () => {
  // 'bcd' is tried before 'ab', so 'abcd' gives 'a' + bcd, where leftmost-longest gives ab + 'cd'
  const entries = [
    { text: 'bcd', id: 1 },
    { text: 'ab', id: 2 },
  ];
  assert.deepEqual(partitionLlama('abcd', entries), ['a', 1]);
  assert.deepEqual(new LongestMatcher(entries).partition('abcd'), [2, 'cd']);
  assert.deepEqual(partitionLlama('xbcdbcdy', entries), ['x', 1, 1, 'y']);
});
