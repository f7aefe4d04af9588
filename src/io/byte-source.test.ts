import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FormatError } from '../errors.js';
import { MemorySource, readAll, SliceSource } from './byte-source.js';
import { openFileSource } from './byte-source-node.js';
import { readSafetensors } from './safetensors/read.js';
import { writeSafetensors } from './safetensors/write.js';

test('MemorySource and SliceSource bounds', () => {
  const m = new MemorySource(new Uint8Array([1, 2, 3, 4, 5]), 'm');
  assert.deepEqual([...m.read(1, 3)], [2, 3, 4]);
  assert.deepEqual([...m.read(5, 0)], []);
  for (const [o, l] of [
    [4, 2],
    [-1, 1],
    [0, 6],
    [6, 0],
    [0.5, 1],
    [2 ** 53, 1],
  ] as const) {
    assert.throws(() => m.read(o, l), FormatError);
  }
  const s = new SliceSource(m, 1, 3);
  assert.deepEqual([...readAll(s)], [2, 3, 4]);
  assert.throws(() => s.read(2, 2), FormatError);
  assert.throws(() => new SliceSource(m, 3, 3), FormatError);
});

test('FileSource reads positionally and straight into a destination', () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmts-io-'));
  try {
    const p = join(dir, 'f.bin');
    const data = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
    writeFileSync(p, data);
    const f = openFileSource(p);
    try {
      assert.equal(f.size, 1000);
      assert.deepEqual(f.read(10, 5), data.subarray(10, 15));
      const dst = new Uint8Array(2000);
      f.readInto(100, dst.subarray(50, 150));
      assert.deepEqual(dst.subarray(50, 150), data.subarray(100, 200));
      assert.throws(() => f.read(999, 2), FormatError);
    } finally {
      f.close();
    }
    assert.throws(() => f.read(0, 1), /closed/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('ST-26 a file truncated after open gives a FormatError on read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmts-io-'));
  try {
    const p = join(dir, 'model.safetensors');
    writeFileSync(
      p,
      writeSafetensors([{ name: 'w', dtype: 'F32', shape: [256], data: new Uint8Array(1024) }]),
    );
    const f = openFileSource(p);
    try {
      const st = readSafetensors(f);
      truncateSync(p, 200);
      const t = st.tensors[0]!;
      assert.throws(
        () => f.readInto(t.offset, new Uint8Array(t.byteLength)),
        (e: unknown) => e instanceof FormatError && /ended early/.test(e.message),
      );
    } finally {
      f.close();
    }
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('JS-3 allocBytes turns an impossible allocation into a CapacityError', async () => {
  const { allocBytes } = await import('./byte-source.js');
  const { CapacityError } = await import('../errors.js');
  assert.equal(allocBytes(16, 'w').length, 16);
  assert.throws(
    () => allocBytes(2 ** 53, 'huge.weight', 'm.gguf'),
    (e: unknown) => e instanceof CapacityError && e.field === 'huge.weight' && e.file === 'm.gguf',
  );
});
