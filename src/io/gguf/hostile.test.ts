// GGUF hostile-file battery (reliability.md §1.3, MF-GGUF-01..27 and MF-JS-1/2).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FormatError } from '../../errors.js';
import { GgmlType } from '../../tensor/dtype.js';
import { measureAllocations } from '../alloc-guard.js';
import { MemorySource } from '../byte-source.js';
import type { ByteWriter } from '../byte-writer.js';
import { buildRawGguf, type RawGguf, type RawKv, type RawTensor, rawString } from './raw.js';
import { readGguf } from './read.js';
import { type GgufArray, GgufValueType as T } from './types.js';

function parse(bytes: Uint8Array) {
  return readGguf(new MemorySource(bytes, 'hostile.gguf'));
}

/** Asserts a FormatError (matching `re`), with allocations bounded by the file size + 1 MiB. */
function rejects(bytes: Uint8Array, re: RegExp, field?: string): FormatError {
  const { error, maxBytes } = measureAllocations(() => parse(bytes));
  assert.ok(error instanceof FormatError, `expected FormatError, got ${String(error)}`);
  assert.match(error.message, re);
  assert.equal(error.file, 'hostile.gguf');
  if (field !== undefined) assert.equal(error.field, field);
  assert.ok(
    maxBytes <= bytes.length + (1 << 20),
    `allocated ${maxBytes} bytes for a ${bytes.length}-byte file`,
  );
  return error;
}

const u32kv = (key: string, v: number): RawKv => ({ key, type: T.UINT32, value: (w) => w.u32(v) });
const strkv = (key: string, v: string): RawKv => ({ key, type: T.STRING, value: (w) => rawString(w, v) });
const f32t = (name: string, ne: bigint[], offset: bigint, type = GgmlType.F32): RawTensor => ({
  name,
  ne,
  type,
  offset,
});

/** A valid file: two KVs, two F32 tensors [4] and [2, 3]. */
function base(over: Partial<RawGguf> = {}): Uint8Array {
  return buildRawGguf({
    kvs: [strkv('general.architecture', 'llama'), u32kv('llama.block_count', 2)],
    tensors: [f32t('a', [4n], 0n), f32t('b', [2n, 3n], 32n)],
    data: new Uint8Array(32 + 24),
    ...over,
  });
}

test('the base file parses', () => {
  const g = parse(base());
  assert.equal(g.tensors.length, 2);
  assert.deepEqual(g.tensors[1]!.shape, [2, 3]);
  assert.equal(g.tensors[1]!.offset, g.dataOffset + 32);
  assert.equal(g.tensors[1]!.byteLength, 24);
});

test('GGUF-01 magic: wrong, short, empty', () => {
  rejects(base({ magic: 0x47475546 }), /invalid magic/, 'magic');
  rejects(new Uint8Array([0x47, 0x47, 0x55]), /invalid magic/);
  rejects(new Uint8Array(0), /invalid magic/);
});

test('GGUF-02 versions 0, 1, 4 and byte-swapped 3', () => {
  rejects(base({ version: 0 }), /unsupported GGUF version 0/, 'version');
  rejects(base({ version: 1 }), /version 1 is not supported/, 'version');
  rejects(base({ version: 4 }), /unsupported GGUF version 4/, 'version');
  rejects(base({ version: 0x03000000 }), /endianness mismatch/, 'version');
  assert.equal(parse(base({ version: 2 })).version, 2);
});

test('GGUF-03/04 absurd n_tensors and n_kv fail before allocation', () => {
  for (const n of [2n ** 64n - 1n, 2n ** 62n, 3n, 1000n])
    rejects(base({ nTensors: n }), /n_tensors|exceeds|tensor/);
  for (const n of [2n ** 64n - 1n, 2n ** 40n]) rejects(base({ nKv: n }), /n_kv/, 'n_kv');
});

test('GGUF-05 key length 2^64-1, 2^53+1, remaining+1', () => {
  for (const keyLen of [2n ** 64n - 1n, 2n ** 53n + 1n]) {
    rejects(base({ kvs: [{ ...u32kv('k', 1), keyLen }] }), /exceeds the remaining bytes/);
  }
  const f = base();
  const remainingAfterLen = BigInt(f.length - 24 - 8);
  rejects(
    base({ kvs: [{ ...u32kv('k', 1), keyLen: remainingAfterLen + 1n }] }),
    /exceeds the remaining bytes/,
  );
});

test('GGUF-06/07 empty key, duplicate key', () => {
  rejects(base({ kvs: [u32kv('', 1)] }), /is empty/);
  rejects(base({ kvs: [u32kv('a.b', 1), u32kv('a.b', 2)] }), /duplicate metadata key 'a\.b'/, 'a.b');
});

test('GGUF-08 invalid value types 13, 255, 2^31, -1', () => {
  for (const type of [13, 255, 2 ** 31, -1]) {
    rejects(base({ kvs: [{ key: 'x', type, value: (w) => w.u32(0) }] }), /invalid value type/, 'x');
  }
});

function nested(depth: number): (w: ByteWriter) => void {
  return (w) => {
    for (let i = 1; i < depth; i++) {
      w.u32(T.ARRAY);
      w.u64(1);
    }
    w.u32(T.UINT8);
    w.u64(2);
    w.u8(7);
    w.u8(9);
  };
}

test('GGUF-09 nested arrays: depth 4 accepted, depth 5 refused', () => {
  const g = parse(base({ kvs: [{ key: 'n', type: T.ARRAY, value: nested(4) }] }));
  let v = g.metadata.get('n')!.value as GgufArray;
  for (let i = 1; i < 4; i++) v = (v.values as GgufArray[])[0]!;
  assert.deepEqual([...(v.values as Uint8Array)], [7, 9]);
  rejects(base({ kvs: [{ key: 'n', type: T.ARRAY, value: nested(5) }] }), /nested deeper/, 'n');
  // A million nesting levels: refused at the cap, no stack overflow.
  rejects(base({ kvs: [{ key: 'n', type: T.ARRAY, value: nested(1_000_000) }] }), /nested deeper/);
});

const arr =
  (itemType: number, count: bigint, body: (w: ByteWriter) => void = () => {}) =>
  (w: ByteWriter) => {
    w.u32(itemType >>> 0);
    w.u64(count);
    body(w);
  };

test('GGUF-10/11 bad array item type, huge or oversized arrays', () => {
  rejects(
    base({ kvs: [{ key: 'a', type: T.ARRAY, value: arr(13, 1n) }] }),
    /invalid array item type 13/,
    'a',
  );
  rejects(
    base({ kvs: [{ key: 'a', type: T.ARRAY, value: arr(T.UINT8, 2n ** 62n) }] }),
    /exceeds the remaining/,
    'a',
  );
  rejects(
    base({ kvs: [{ key: 'a', type: T.ARRAY, value: arr(T.UINT32, 100n, (w) => w.fill(0, 396)) }] }),
    /exceeds/,
  );
  rejects(
    base({ kvs: [{ key: 'a', type: T.ARRAY, value: arr(T.STRING, 1_000_000_000n) }] }),
    /exceeds the remaining/,
  );
  rejects(base({ kvs: [{ key: 'a', type: T.ARRAY, value: arr(T.UINT64, 2n ** 61n + 1n) }] }), /exceeds/);
});

test('GGUF-12 UTF-8 policy: strict for keys and tensor names, U+FFFD for values', () => {
  const bad = [new Uint8Array([0xff]), new Uint8Array([0xc0, 0x80]), new Uint8Array([0xed, 0xa0, 0x80])];
  for (const b of bad) {
    rejects(base({ kvs: [{ key: b, type: T.UINT32, value: (w) => w.u32(1) }] }), /not valid UTF-8/);
    rejects(
      base({ tensors: [{ ...f32t('a', [4n], 0n), name: b }, f32t('b', [2n, 3n], 32n)] }),
      /not valid UTF-8/,
    );
    const g = parse(base({ kvs: [{ key: 's', type: T.STRING, value: (w) => rawString(w, b) }] }));
    assert.match(g.metadata.get('s')!.value as string, /^\uFFFD+$/);
  }
});

test('GGUF-13 general.alignment: zero, not a power of two, too large, wrong type', () => {
  for (const a of [0, 3, 13, 2 ** 31])
    rejects(base({ kvs: [u32kv('general.alignment', a)] }), /power of two/, 'general.alignment');
  const wrong: RawKv[] = [
    { key: 'general.alignment', type: T.INT32, value: (w) => w.i32(32) },
    { key: 'general.alignment', type: T.UINT64, value: (w) => w.u64(32) },
    strkv('general.alignment', '32'),
  ];
  for (const kv of wrong) rejects(base({ kvs: [kv] }), /must be stored as UINT32/, 'general.alignment');
  // A valid custom alignment (64): offsets must follow it.
  const g = parse(
    buildRawGguf({
      kvs: [u32kv('general.alignment', 64)],
      tensors: [f32t('a', [4n], 0n), f32t('b', [2n, 3n], 64n)],
      pad: 64,
      data: new Uint8Array(64 + 24),
    }),
  );
  assert.equal(g.alignment, 64);
  assert.equal(g.dataOffset % 64, 0);
  rejects(base({ kvs: [u32kv('general.alignment', 64)] }), /not a multiple of the alignment 64/, 'b');
});

test('GGUF-14/15 tensor names: 64 bytes, huge length, empty, duplicate', () => {
  const t2 = f32t('b', [2n, 3n], 32n);
  rejects(base({ tensors: [f32t('x'.repeat(64), [4n], 0n), t2] }), /exceeds 63 bytes/);
  assert.equal(parse(base({ tensors: [f32t('x'.repeat(63), [4n], 0n), t2] })).tensors[0]!.name.length, 63);
  rejects(base({ tensors: [{ ...f32t('a', [4n], 0n), nameLen: 2n ** 64n - 1n }, t2] }), /exceeds 63 bytes/);
  rejects(base({ tensors: [f32t('', [4n], 0n), t2] }), /is empty/);
  rejects(base({ tensors: [f32t('b', [4n], 0n), t2] }), /duplicate tensor name 'b'/, 'b');
});

test('GGUF-16 n_dims 0 (scalar) accepted; 9 and 0xFFFFFFFF refused', () => {
  const g = parse(base({ tensors: [f32t('s', [], 0n)], data: new Uint8Array(4) }));
  assert.deepEqual(g.tensors[0]!.shape, []);
  assert.equal(g.tensors[0]!.byteLength, 4);
  rejects(base({ tensors: [f32t('a', Array(9).fill(1n), 0n)] }), /9 dimensions/, 'a');
  rejects(base({ tensors: [{ ...f32t('a', [4n], 0n), nDims: 0xffffffff }] }), /4294967295 dimensions/, 'a');
});

test('GGUF-17 dimensions: -1 refused, 0 gives an empty tensor, 2^63-1 refused', () => {
  rejects(base({ tensors: [f32t('a', [-1n], 0n)] }), /negative/, 'a');
  const g = parse(
    base({ tensors: [f32t('e', [0n, 5n], 0n), f32t('b', [2n, 3n], 0n)], data: new Uint8Array(24) }),
  );
  assert.equal(g.tensors[0]!.byteLength, 0);
  assert.equal(g.tensors[1]!.offset, g.tensors[0]!.offset);
  rejects(base({ tensors: [f32t('a', [2n ** 63n - 1n], 0n)] }), /too large/, 'a');
});

test('GGUF-18 element counts and byte sizes that overflow', () => {
  rejects(base({ tensors: [f32t('a', [2n ** 32n, 2n ** 32n], 0n)] }), /not representable/, 'a');
  rejects(base({ tensors: [f32t('a', [2n ** 26n, 2n ** 26n, 4n], 0n)] }), /not representable/, 'a');
  rejects(base({ tensors: [f32t('a', [2n ** 64n - 1n, 2n, 1n, 1n], 0n)] }), /negative/, 'a');
  // JS-1: 2^52 elements fit in a double, 2^54 bytes do not.
  rejects(base({ tensors: [f32t('a', [2n ** 26n, 2n ** 26n], 0n)] }), /byte size is not representable/);
});

test('GGUF-19/20 tensor types: -1, out of range, removed Q4_2; Q4_0 with ne0 = 33', () => {
  for (const type of [-1, 39, 4, 5, 31])
    rejects(base({ tensors: [f32t('a', [4n], 0n, type)] }), /unknown GGML type/, 'a');
  rejects(
    base({ tensors: [f32t('q', [33n, 2n], 0n, GgmlType.Q4_0)] }),
    /not a multiple of the q4_0 block size 32/,
    'q',
  );
});

test('GGUF-21/22 offsets: misaligned, -1, gap, overlap, out of order', () => {
  const a = f32t('a', [4n], 0n);
  rejects(base({ tensors: [a, f32t('b', [2n, 3n], 16n)] }), /not a multiple of the alignment/, 'b');
  rejects(base({ tensors: [a, f32t('b', [2n, 3n], -1n)] }), /too large/, 'b');
  rejects(base({ tensors: [a, f32t('b', [2n, 3n], 64n)] }), /expected 32/, 'b');
  rejects(base({ tensors: [a, f32t('b', [2n, 3n], 0n)] }), /expected 32/, 'b');
  rejects(base({ tensors: [f32t('b', [2n, 3n], 32n), f32t('a', [4n], 0n)] }), /expected 0/, 'b');
});

test('GGUF-23 data one byte short, or past the end', () => {
  rejects(base({ data: new Uint8Array(32 + 23) }), /extends past the end/, 'b');
  rejects(base({ data: new Uint8Array(0) }), /extends past the end/);
  rejects(base({ tensors: [f32t('a', [1n << 40n], 0n)] }), /extends past the end/, 'a');
});

test('GGUF-24 sum of padded sizes overflows', () => {
  const big = [2n ** 50n] as bigint[]; // 2^52 bytes each
  rejects(base({ tensors: [f32t('a', big, 0n), f32t('b', big, 2n ** 52n)] }), /overflows/, 'b');
});

test('GGUF-25 trailing bytes after the data are allowed and not part of any tensor', () => {
  const g = parse(base({ data: new Uint8Array(32 + 24 + 100) }));
  assert.equal(g.tensors[1]!.byteLength, 24);
  assert.equal(g.fileSize - (g.tensors[1]!.offset + 24), 100);
});

test('GGUF-26 every truncated prefix of a valid file is a FormatError', () => {
  const full = base({
    kvs: [
      strkv('general.architecture', 'llama'),
      {
        key: 'v',
        type: T.ARRAY,
        value: arr(T.STRING, 2n, (w) => {
          rawString(w, 'ab');
          rawString(w, 'c');
        }),
      },
      {
        key: 'f',
        type: T.ARRAY,
        value: arr(T.FLOAT32, 2n, (w) => {
          w.f32(1);
          w.f32(2);
        }),
      },
      { key: 'u', type: T.UINT64, value: (w) => w.u64(2n ** 60n) },
    ],
  });
  parse(full);
  for (let n = 0; n < full.length; n++) rejects(full.subarray(0, n), /./);
});

test('JS-2 padding beyond 2^31 and 2^32 uses exact arithmetic', async () => {
  const { padTo } = await import('./read.js');
  assert.equal(padTo(2 ** 31 + 1, 32), 2 ** 31 + 32);
  assert.equal(padTo(2 ** 32 + 5, 64), 2 ** 32 + 64);
  assert.equal(padTo(2 ** 52 + 1, 1 << 20), 2 ** 52 + (1 << 20));
  // A sparse synthetic source: a tensor at data offset 2^32 in a file of more than 4 GiB.
  const header = buildRawGguf({
    kvs: [],
    tensors: [f32t('a', [2n ** 30n], 0n), f32t('b', [8n], 2n ** 32n)],
  });
  const size = header.length + 2 ** 32 + 32;
  const src = {
    name: 'sparse.gguf',
    size,
    read: (o: number, l: number) => {
      const out = new Uint8Array(l);
      if (o < header.length) out.set(header.subarray(o, Math.min(header.length, o + l)));
      return out;
    },
    readInto: () => {},
  };
  const g = readGguf(src);
  assert.equal(g.tensors[1]!.offset, header.length + 2 ** 32);
});
