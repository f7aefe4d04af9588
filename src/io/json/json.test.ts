// JSON with limits (MF-JSON-04, duplicate keys, getters) and a JSON fuzz target.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { FormatError } from '../../errors.js';
import { checkHostile } from '../fuzz-util.js';
import { parseJson, parseJsonBytes, parseJsonObject } from './json.js';
import { readJsonObjectFile } from './json-node.js';
import { scanJson } from './scan.js';

const isFormat = (re: RegExp) => (e: unknown) => e instanceof FormatError && re.test(e.message);

test('JSON-04 deep nesting is a FormatError, not a RangeError or stack overflow', () => {
  const deep = '['.repeat(1_000_000);
  assert.throws(() => parseJson(deep, 'config.json'), isFormat(/config\.json: JSON nested deeper than 64/));
  assert.throws(() => parseJson('{"a":'.repeat(100_000), 'c.json'), isFormat(/nested deeper/));
  // With a high cap the RangeError of JSON.parse itself is wrapped.
  const huge = `${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`;
  try {
    assert.ok(Array.isArray(parseJson(huge, 'c.json', { maxDepth: 1e9 })));
  } catch (e) {
    assert.ok(e instanceof FormatError, `unwrapped ${String(e)}`);
  }
});

test('syntax errors, size cap, duplicate keys, BOM, invalid UTF-8', () => {
  assert.throws(() => parseJson('{', 'c.json'), isFormat(/c\.json: invalid JSON/));
  assert.throws(() => parseJson('{"a":1}', 'c.json', { maxChars: 3 }), isFormat(/exceeds the limit 3/));
  assert.throws(
    () => parseJson('{"a":1,"b":{"c":1,"c":2}}', 'c.json'),
    (e: unknown) => e instanceof FormatError && e.field === 'c',
  );
  assert.throws(() => parseJson('{"a":1,"\\u0061":2}'), isFormat(/duplicate JSON key 'a'/));
  assert.deepEqual(parseJson('[{"a":1},{"a":2}]'), [{ a: 1 }, { a: 2 }]);
  assert.deepEqual(parseJson('{"a":1,"a":2}', 'x', { rejectDuplicateKeys: false }), { a: 2 });
  assert.deepEqual(parseJsonBytes(new Uint8Array([0xef, 0xbb, 0xbf, 0x31])), 1);
  assert.throws(
    () => parseJsonBytes(new Uint8Array([0x22, 0xff, 0x22]), 'c.json'),
    isFormat(/not valid UTF-8/),
  );
});

test('scanJson agrees with JSON.parse on duplicate keys for random objects', () => {
  fc.assert(
    fc.property(fc.json(), (text) => {
      assert.equal(scanJson(text, { maxDepth: 1000 }), undefined); // JSON.stringify never emits duplicates
    }),
    { numRuns: 500, seed: 1 },
  );
  assert.deepEqual(scanJson('{"k":"\\"}","k":1}'), { kind: 'duplicate', key: 'k', offset: 11 });
  // Differential: hand-built objects whose keys may repeat (with escapes, nesting, many keys).
  const keyArb = fc.oneof(
    fc.constantFrom('a', 'a\\', 'a"', '\\"', 'é', '\u0000', '__proto__'),
    fc.string({ maxLength: 4 }),
  );
  fc.assert(
    fc.property(fc.array(keyArb, { maxLength: 40 }), fc.nat({ max: 3 }), (keys, nest) => {
      const body = keys.map(
        (k, i) => `${JSON.stringify(k)}:${i % 3 === 0 ? '"x\\\\"' : i % 3 === 1 ? '[1,{"k":2}]' : 'null'}`,
      );
      const text = `${'['.repeat(nest)}{${body.join(',')}}${']'.repeat(nest)}`;
      const issue = scanJson(text);
      const dup = new Set(keys).size < keys.length;
      assert.equal(issue?.kind === 'duplicate', dup, text);
      if (dup) assert.ok(keys.includes((issue as { key: string }).key));
    }),
    { numRuns: 1000, seed: 9 },
  );
  assert.deepEqual(scanJson('[1.5]', { integersOnly: true }), { kind: 'number', text: '1.5', offset: 1 });
  assert.deepEqual(scanJson('{"1e3":"x"}', { integersOnly: true }), undefined);
});

test('typed field getters name the field', () => {
  const f = parseJsonObject(
    '{"hidden_size":128,"eps":1e-5,"name":"llama","tie":true,"arch":["A"],"rope":{"type":"linear","factor":2},"n":null,"__proto__":{"x":1}}',
    'config.json',
  );
  assert.equal(f.int('hidden_size', undefined, 1, 1 << 20), 128);
  assert.equal(f.number('eps'), 1e-5);
  assert.equal(f.string('name'), 'llama');
  assert.equal(f.bool('tie'), true);
  assert.deepEqual(f.stringArray('arch'), ['A']);
  assert.equal(f.object('rope').number('factor'), 2);
  assert.equal(f.int('missing', 7), 7);
  assert.equal(f.int('n', 3), 3, 'null counts as absent');
  assert.equal(f.object('nope', true), undefined);
  const errs: [() => unknown, string, RegExp][] = [
    [() => f.int('eps'), 'eps', /must be an integer/],
    [() => f.int('hidden_size', undefined, 1, 64), 'hidden_size', /outside \[1, 64\]/],
    [() => f.string('hidden_size'), 'hidden_size', /must be a string \(found number\)/],
    [() => f.number('missing'), 'missing', /found missing/],
    [() => f.object('rope').string('factor'), 'rope.factor', /must be a string/],
    [() => f.numberArray('arch'), 'arch[0]', /must be a number/],
    [() => f.string('toString'), 'toString', /found missing/],
  ];
  for (const [fn, field, re] of errs) {
    assert.throws(
      fn,
      (e: unknown) =>
        e instanceof FormatError && e.field === field && e.file === 'config.json' && re.test(e.message),
    );
  }
  assert.equal(({} as Record<string, unknown>).x, undefined);
});

test('readJsonObjectFile reads config.json with limits', () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmts-json-'));
  try {
    const p = join(dir, 'config.json');
    writeFileSync(p, '{"vocab_size": 32000}');
    assert.equal(readJsonObjectFile(p).int('vocab_size'), 32000);
    assert.throws(() => readJsonObjectFile(p, { maxChars: 5 }), isFormat(/exceeds the limit 5/));
    writeFileSync(p, '[1]');
    assert.throws(() => readJsonObjectFile(p), isFormat(/must be an object/));
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('JSON fuzz: random text and mutated JSON never crash', () => {
  const parse = (b: Uint8Array) => parseJsonBytes(b, 'fuzz.json');
  fc.assert(
    fc.property(fc.oneof(fc.json(), fc.string(), fc.stringMatching(/^[[\]{}",:0-9a-z\\ -]{0,60}$/)), (s) => {
      checkHostile(new TextEncoder().encode(s), parse);
    }),
    { numRuns: 3000, seed: 2 },
  );
});
