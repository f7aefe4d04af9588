// GGUF writer: round trips (MF-GGUF-31) and writer-side validation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../errors.js';
import { GgmlType, TYPE_TRAITS } from '../../tensor/dtype.js';
import { MemorySource } from '../byte-source.js';
import { readGguf } from './read.js';
import { type GgufArray, type GgufKv, type GgufValue, GgufValueType as T } from './types.js';
import { type GgufWriteTensor, ggufChunks, tensorByteLength, writeGguf } from './write.js';

const scalar = (type: T): fc.Arbitrary<GgufValue> => {
  switch (type) {
    case T.UINT8:
      return fc.integer({ min: 0, max: 255 });
    case T.INT8:
      return fc.integer({ min: -128, max: 127 });
    case T.UINT16:
      return fc.integer({ min: 0, max: 65535 });
    case T.INT16:
      return fc.integer({ min: -32768, max: 32767 });
    case T.UINT32:
      return fc.nat({ max: 0xffffffff });
    case T.INT32:
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case T.FLOAT32:
      return fc.float({ noDefaultInfinity: false });
    case T.FLOAT64:
      return fc.double();
    case T.UINT64:
      return fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
    case T.INT64:
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case T.BOOL:
      return fc.boolean();
    default:
      return fc.string({ unit: 'grapheme', maxLength: 20 });
  }
};

const typed = (type: T, xs: GgufValue[]): GgufArray['values'] => {
  switch (type) {
    case T.UINT8:
      return Uint8Array.from(xs as number[]);
    case T.BOOL:
      return Uint8Array.from((xs as boolean[]).map((b) => (b ? 1 : 0)));
    case T.INT8:
      return Int8Array.from(xs as number[]);
    case T.UINT16:
      return Uint16Array.from(xs as number[]);
    case T.INT16:
      return Int16Array.from(xs as number[]);
    case T.UINT32:
      return Uint32Array.from(xs as number[]);
    case T.INT32:
      return Int32Array.from(xs as number[]);
    case T.FLOAT32:
      return Float32Array.from(xs as number[]);
    case T.FLOAT64:
      return Float64Array.from(xs as number[]);
    case T.UINT64:
      return BigUint64Array.from(xs as bigint[]);
    case T.INT64:
      return BigInt64Array.from(xs as bigint[]);
    default:
      return xs as string[];
  }
};

const scalarType = fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12) as fc.Arbitrary<T>;

const kvArb: fc.Arbitrary<GgufKv> = fc.oneof(
  scalarType.chain((type) => scalar(type).map((value) => ({ type, value }))),
  scalarType.chain((item) =>
    fc.array(scalar(item), { maxLength: 6 }).map((xs) => ({
      type: T.ARRAY,
      value: { itemType: item, values: typed(item, xs) },
    })),
  ),
  // A nested array of arrays of u32.
  fc.array(fc.array(fc.nat(), { maxLength: 3 }), { maxLength: 3 }).map((xss) => ({
    type: T.ARRAY,
    value: {
      itemType: T.ARRAY,
      values: xss.map((xs) => ({ itemType: T.UINT32, values: Uint32Array.from(xs) })),
    },
  })),
);

const TYPES = [...TYPE_TRAITS.keys()];
const tensorArb = fc
  .tuple(
    fc.constantFrom(...TYPES),
    fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }),
    fc.nat(),
  )
  .map(([type, dims, seed]) => {
    const tr = TYPE_TRAITS.get(type)!;
    const shape = dims.map((d, i) => (i === 0 ? d * tr.blockSize : d));
    const n = tensorByteLength(type, shape);
    const data = new Uint8Array(n);
    for (let i = 0; i < n; i++) data[i] = (seed + i * 31) & 0xff;
    return { type, shape, data };
  });

const fileArb = fc.record({
  version: fc.constantFrom(2 as const, 3 as const),
  alignment: fc.constantFrom(undefined, 1, 8, 32, 64, 256),
  kvs: fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z][a-z0-9_.]{0,15}$/), kvArb), {
    selector: ([k]) => k,
    maxLength: 8,
  }),
  tensors: fc.array(tensorArb, { maxLength: 5 }),
});

test('GGUF-31 random files: write -> read -> equal, and write again byte for byte', () => {
  fc.assert(
    fc.property(fileArb, (f) => {
      const metadata: [string, GgufKv][] = f.kvs.filter(([k]) => k !== 'general.alignment');
      if (f.alignment !== undefined)
        metadata.push(['general.alignment', { type: T.UINT32, value: f.alignment }]);
      const tensors: GgufWriteTensor[] = f.tensors.map((t, i) => ({ name: `t${i}.weight`, ...t }));
      const bytes = writeGguf({ version: f.version, metadata, tensors });
      const g = readGguf(new MemorySource(bytes));
      assert.equal(g.version, f.version);
      assert.equal(g.alignment, f.alignment ?? 32);
      assert.deepEqual(
        [...g.metadata],
        metadata.map(([k, kv]) => [k, normalize(kv)]),
      );
      assert.equal(g.tensors.length, tensors.length);
      g.tensors.forEach((t, i) => {
        assert.equal(t.name, tensors[i]!.name);
        assert.equal(t.type, tensors[i]!.type);
        assert.deepEqual(t.shape, tensors[i]!.shape);
        assert.equal(t.offset % g.alignment, 0);
        assert.deepEqual(bytes.subarray(t.offset, t.offset + t.byteLength), tensors[i]!.data);
      });
      const again = writeGguf({
        version: f.version,
        metadata: g.metadata,
        tensors: g.tensors.map((t) => ({ ...t, data: bytes.subarray(t.offset, t.offset + t.byteLength) })),
      });
      assert.deepEqual(again, bytes);
      const chunks = [...ggufChunks({ version: f.version, metadata, tensors })];
      assert.deepEqual(Buffer.concat(chunks), Buffer.from(bytes));
    }),
    { numRuns: 200, seed: 42 },
  );
});

/** What the reader returns for a written value (strings are re-decoded; f32 rounded). */
function normalize(kv: GgufKv): GgufKv {
  if (kv.type === T.FLOAT32) return { type: kv.type, value: Math.fround(kv.value as number) };
  if (kv.type === T.STRING)
    return { type: kv.type, value: new TextDecoder().decode(new TextEncoder().encode(kv.value as string)) };
  return kv;
}

test('writer refuses invalid input with UsageError', () => {
  const ok = { name: 'a', type: GgmlType.F32, shape: [2], data: new Uint8Array(8) };
  const cases: [() => unknown, RegExp][] = [
    [() => writeGguf({ metadata: [], tensors: [ok, ok] }), /duplicate tensor name/],
    [() => writeGguf({ metadata: [], tensors: [{ ...ok, data: new Uint8Array(7) }] }), /expected 8/],
    [() => writeGguf({ metadata: [], tensors: [{ ...ok, name: 'x'.repeat(64) }] }), /1 to 63 bytes/],
    [
      () => writeGguf({ metadata: [], tensors: [{ ...ok, type: GgmlType.Q4_0, shape: [33] }] }),
      /multiple of 32/,
    ],
    [() => writeGguf({ metadata: [['k', { type: T.UINT8, value: 256 }]], tensors: [] }), /does not fit/],
    [() => writeGguf({ metadata: [['k', { type: T.UINT64, value: -1n }]], tensors: [] }), /does not fit/],
    [() => writeGguf({ metadata: [['k', { type: T.STRING, value: 1 }]], tensors: [] }), /does not fit/],
    [
      () => writeGguf({ metadata: [['general.alignment', { type: T.UINT32, value: 24 }]], tensors: [] }),
      /power of two/,
    ],
    [
      () => writeGguf({ metadata: [['general.alignment', { type: T.INT32, value: 32 }]], tensors: [] }),
      /UINT32/,
    ],
    [() => writeGguf({ metadata: [['', { type: T.UINT8, value: 1 }]], tensors: [] }), /empty/],
  ];
  for (const [fn, re] of cases)
    assert.throws(fn, (e: unknown) => e instanceof UsageError && re.test(e.message));
});

test('lazy tensor data: loaded once, only when its chunk is reached, same bytes as eager', () => {
  const loads: string[] = [];
  const lazy = (name: string, bytes: Uint8Array) => ({
    length: bytes.length,
    load: () => {
      loads.push(name);
      return bytes;
    },
  });
  const a = new Uint8Array(12).fill(5);
  const b = new Uint8Array(18).fill(6);
  const spec = (lz: boolean) => ({
    metadata: [['general.alignment', { type: T.UINT32, value: 8 }]] as [string, GgufKv][],
    tensors: [
      { name: 'a', type: GgmlType.F32, shape: [3], data: lz ? lazy('a', a) : a },
      { name: 'b', type: GgmlType.Q4_0, shape: [32], data: lz ? lazy('b', b) : b },
    ],
  });
  const it = ggufChunks(spec(true));
  it.next(); // header
  assert.deepEqual(loads, []);
  assert.deepEqual(Buffer.concat([...ggufChunks(spec(true))]), Buffer.from(writeGguf(spec(false))));
  assert.deepEqual(loads, ['a', 'b']);
  const bad = { length: 12, load: () => new Uint8Array(11) };
  assert.throws(
    () => writeGguf({ metadata: [], tensors: [{ name: 'a', type: GgmlType.F32, shape: [3], data: bad }] }),
    /announced 12/,
  );
});
