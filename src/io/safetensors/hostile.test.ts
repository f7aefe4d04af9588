// safetensors hostile-file battery (reliability.md §1.4, MF-ST-01..25, PKL-02).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FormatError } from '../../errors.js';
import { measureAllocations } from '../alloc-guard.js';
import { MemorySource } from '../byte-source.js';
import { readSafetensors } from './read.js';
import { parseSafetensorsIndex } from './sharded.js';

/** A file from a header text and a data section (or its size). */
function file(header: string, data: number | Uint8Array = 0, declared?: bigint): Uint8Array {
  const h = new TextEncoder().encode(header);
  const d = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + h.length + d.length);
  new DataView(out.buffer).setBigUint64(0, declared ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(d, 8 + h.length);
  return out;
}

const parse = (b: Uint8Array) => readSafetensors(new MemorySource(b, 'hostile.safetensors'));

function rejects(bytes: Uint8Array, re: RegExp, field?: string): void {
  const { error, maxBytes } = measureAllocations(() => parse(bytes));
  assert.ok(error instanceof FormatError, `expected FormatError, got ${String(error)}`);
  assert.match(error.message, re);
  assert.equal(error.file, 'hostile.safetensors');
  if (field !== undefined) assert.equal(error.field, field);
  assert.ok(maxBytes <= bytes.length + (1 << 20), `allocated ${maxBytes}`);
}

const t = (name: string, dtype: string, shape: unknown, offs: unknown) =>
  `${JSON.stringify(name)}:{"dtype":${JSON.stringify(dtype)},"shape":${JSON.stringify(shape)},"data_offsets":${JSON.stringify(offs)}}`;

test('a valid file parses, tensors in data order', () => {
  const st = parse(
    file(
      `{${t('b', 'F32', [2, 2], [8, 24])},${t('a', 'I16', [4], [0, 8])},"__metadata__":{"format":"pt"}}`,
      24,
    ),
  );
  assert.deepEqual(
    st.tensors.map((x) => [x.name, x.offset - st.dataOffset, x.byteLength]),
    [
      ['a', 0, 8],
      ['b', 8, 16],
    ],
  );
  assert.equal(st.metadata.get('format'), 'pt');
});

test('ST-01/02/03 header length: too small, past the end, too large, 2^64-1', () => {
  rejects(new Uint8Array(0), /header too small/, 'header_size');
  rejects(new Uint8Array(7), /header too small/);
  rejects(new Uint8Array([60, 0, 0, 0, 0, 0, 0, 0]), /invalid header length 60/, 'header_size');
  rejects(file('{}', 0, 0xffffff0000000000n >> 8n), /header too large/);
  rejects(file('{}', 0, 2n ** 64n - 1n), /header too large/);
  rejects(file('{}', 0, 100_000_001n), /header too large/);
});

test('ST-04/05/06 header not UTF-8, not JSON, not an object', () => {
  const bad = file('{}');
  bad[9] = 0xff;
  rejects(bad, /not valid UTF-8/);
  rejects(file('{'), /invalid header JSON/);
  for (const h of ['[]', '"x"', '1', ' {}']) rejects(file(h), /must begin with '\{'/);
});

test('ST-07 trailing whitespace padding is accepted', () => {
  assert.equal(parse(file('{}   \t\r\n ')).tensors.length, 0);
  assert.equal(parse(file(`{${t('a', 'U8', [2], [0, 2])}}      `, 2)).tensors[0]!.byteLength, 2);
});

test('ST-08/09 offsets: gap, overlap, end < begin, first not 0, aliasing', () => {
  rejects(
    file(`{${t('a', 'U8', [2], [0, 2])},${t('b', 'U8', [2], [4, 6])}}`, 6),
    /invalid offset for tensor 'b'/,
    'b',
  );
  rejects(file(`{${t('a', 'U8', [4], [0, 4])},${t('b', 'U8', [2], [2, 4])}}`, 4), /invalid offset/);
  rejects(file(`{${t('a', 'U8', [2], [4, 2])}}`, 4), /end 2 < begin 4/, 'a');
  rejects(file(`{${t('a', 'U8', [2], [2, 4])}}`, 4), /expected 0/, 'a');
  const alias = Array.from({ length: 100 }, (_, i) => t(`t${i}`, 'F32', [4], [0, 16])).join(',');
  rejects(file(`{${alias}}`, 16), /invalid offset/);
});

test('ST-10/11 size mismatch and overflowing shapes', () => {
  rejects(file(`{${t('a', 'I32', [2, 2], [0, 4])}}`, 4), /needs 16 bytes, data_offsets span 4/, 'a');
  // Written as literal integers: JSON.parse would turn them into inexact doubles.
  rejects(
    file('{"a":{"dtype":"F32","shape":[2,18446744073709551614],"data_offsets":[0,8]}}', 8),
    /shape must be/,
  );
  rejects(
    file('{"a":{"dtype":"F32","shape":[2,9223372036854775807],"data_offsets":[0,8]}}', 8),
    /shape must be/,
  );
  rejects(file(`{${t('a', 'F64', [2 ** 26, 2 ** 26, 2 ** 4], [0, 8])}}`, 8), /overflows/, 'a');
});

test('ST-12 negative, fractional, exponent, string, null, boolean numbers', () => {
  for (const v of ['-1', '1.5', '1e3', '"16"', 'null', 'true']) {
    rejects(
      file(`{"a":{"dtype":"U8","shape":[${v}],"data_offsets":[0,2]}}`, 2),
      /non-negative integer|shape must be/,
    );
    rejects(
      file(`{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,${v}]}}`, 2),
      /non-negative integer|data_offsets must be/,
    );
  }
  rejects(file(`{"a":{"dtype":"U8","shape":2,"data_offsets":[0,2]}}`, 2), /shape must be/);
  rejects(file(`{"a":{"dtype":"U8","shape":[2],"data_offsets":[0]}}`, 2), /data_offsets must be/);
  rejects(file(`{"a":[1]}`, 0), /must be an object/, 'a');
});

test('ST-13/14 trailing bytes and missing bytes', () => {
  rejects(file(`{${t('a', 'U8', [2], [0, 2])}}`, 3), /incomplete buffer/);
  rejects(file(`{${t('a', 'U8', [4], [0, 4])}}`, 2), /incomplete buffer/);
  rejects(file('{}', 1), /incomplete buffer/);
});

test('ST-15/16 unknown dtypes; sub-byte dtypes need whole bytes', () => {
  for (const d of ['F128', 'f32', '', 'float32'])
    rejects(file(`{${t('a', d, [1], [0, 4])}}`, 4), /unknown dtype/, 'a');
  rejects(file(`{${t('a', 'F4', [3], [0, 2])}}`, 2), /misaligned slice/, 'a');
  assert.equal(parse(file(`{${t('a', 'F4', [4], [0, 2])}}`, 2)).tensors[0]!.byteLength, 2);
  rejects(file(`{${t('a', 'F6_E2M3', [3], [0, 3])}}`, 3), /misaligned/);
});

test('ST-17/18/19 zero-size tensors (also sharing an offset) and rank-0 scalars', () => {
  const z = parse(file(`{${t('z', 'F32', [2, 0], [0, 0])}}`));
  assert.equal(z.tensors[0]!.byteLength, 0);
  // A zero-size tensor at the start or the end of another tensor aliases no data.
  const s = parse(
    file(`{${t('a', 'F32', [2], [0, 8])},${t('z', 'F32', [0], [0, 0])},${t('y', 'U8', [0], [8, 8])}}`, 8),
  );
  assert.deepEqual(
    s.tensors.map((x) => [x.name, x.byteLength]),
    [
      ['z', 0],
      ['a', 8],
      ['y', 0],
    ],
  );
  // But inside another tensor it is a gap/overlap.
  rejects(file(`{${t('a', 'F32', [2], [0, 8])},${t('z', 'F32', [0], [4, 4])}}`, 8), /invalid offset/);
  const r0 = parse(file(`{${t('s', 'F64', [], [0, 8])}}`, 8));
  assert.deepEqual(r0.tensors[0]!.shape, []);
  assert.equal(r0.tensors[0]!.elements, 1);
});

test('ST-20 duplicate keys (tensors, fields, metadata) are refused', () => {
  rejects(file(`{${t('a', 'U8', [2], [0, 2])},${t('a', 'U8', [2], [0, 2])}}`, 2), /duplicate key 'a'/, 'a');
  rejects(
    file(`{"a":{"dtype":"U8","dtype":"U8","shape":[2],"data_offsets":[0,2]}}`, 2),
    /duplicate key 'dtype'/,
  );
  rejects(file(`{"__metadata__":{"x":"1","\\u0078":"2"}}`), /duplicate key 'x'/);
});

test('ST-21 __metadata__ values must be strings', () => {
  rejects(file('{"__metadata__":{"x":1}}'), /must be a string/, '__metadata__.x');
  rejects(file('{"__metadata__":{"x":{"y":"z"}}}'), /must be a string/);
  rejects(file('{"__metadata__":"x"}'), /__metadata__ must be an object/);
});

test('ST-22 tensors named __proto__, constructor, toString are plain data', () => {
  const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];
  const h = names.map((n, i) => t(n, 'U8', [1], [i, i + 1])).join(',');
  const st = parse(file(`{${h},"__metadata__":{"__proto__":"p"}}`, 4));
  assert.deepEqual(
    st.tensors.map((x) => x.name),
    names,
  );
  assert.equal(st.metadata.get('__proto__'), 'p');
  assert.equal(({} as Record<string, unknown>).dtype, undefined, 'Object.prototype untouched');
  // A tensor whose fields come only from the prototype chain is refused.
  rejects(file('{"a":{"__proto__":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}}', 1), /unknown dtype/);
});

test('ST-23 a header of 50k tiny tensors parses in time linear with JSON.parse; the tensor cap applies', () => {
  const n = 50_000;
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(t(`t${i}`, 'U8', [1], [i, i + 1]));
  const header = `{${parts.join(',')}}`;
  const bytes = file(header, n);
  // Compare with the native JSON.parse of the same text (robust to a loaded machine).
  let t0 = performance.now();
  JSON.parse(header);
  const native = performance.now() - t0;
  t0 = performance.now();
  assert.equal(parse(bytes).tensors.length, n);
  const ours = performance.now() - t0;
  assert.ok(ours < 20 * native + 500, `parse took ${ours.toFixed(0)} ms, JSON.parse ${native.toFixed(0)} ms`);
  assert.throws(
    () => readSafetensors(new MemorySource(bytes, 'x'), { maxTensors: 1000 }),
    (e: unknown) => e instanceof FormatError && /more than 1000 tensors/.test(e.message),
  );
});

test('PKL-02 a zip or pickle named .safetensors fails in the header checks', () => {
  const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 8, 0, 1, 2, 3, 4, 5, 6]);
  rejects(zip, /header too large|invalid header length/);
  const pkl = new Uint8Array([0x80, 0x02, 0x7d, 0x71, 0x00, 0x28, 0x58, 0x01, 0, 0, 0, 0x61, 0x71]);
  rejects(pkl, /header too large|invalid header length/);
});

test('ST-25 sharded index: shard names must be plain file names', () => {
  const ok = parseSafetensorsIndex(
    JSON.stringify({
      metadata: { total_size: 10 },
      weight_map: {
        a: 'model-00001-of-00002.safetensors',
        b: 'model-00002-of-00002.safetensors',
        c: 'model-00001-of-00002.safetensors',
      },
    }),
  );
  assert.deepEqual(ok.shards, ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
  assert.equal(ok.weightMap.get('b'), 'model-00002-of-00002.safetensors');
  for (const bad of [
    '../../etc/passwd',
    '/etc/passwd',
    'C:\\x.safetensors',
    'a/b.safetensors',
    '..',
    '.',
    '',
    'x\u0000y',
    7,
  ]) {
    assert.throws(
      () => parseSafetensorsIndex(JSON.stringify({ weight_map: { w: bad } })),
      (e: unknown) => e instanceof FormatError && e.field === 'weight_map.w',
    );
  }
  assert.throws(() => parseSafetensorsIndex('{"weight_map":{"a":"x","a":"y"}}'), /duplicate JSON key 'a'/);
  assert.throws(() => parseSafetensorsIndex('{"metadata":{}}'), /'weight_map' must be an object/);
});
