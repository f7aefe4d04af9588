// ParallelFileSource: a split read (half on a helper thread) into shared memory gives the file's
// bytes, as does a plain read into ordinary memory; a file that shrinks after it was opened is a
// FormatError (not a hang, not a crash); reads outside the file are refused; close() stops the
// helper.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { FormatError, UsageError } from '../errors.js';
import { loadFs, ParallelFileSource } from './parallel-source-node.js';

const dir = mkdtempSync(join(tmpdir(), 'llmts-psrc-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, n: number): { path: string; bytes: Uint8Array } {
  const bytes = new Uint8Array(n);
  let x = 1;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return { path, bytes };
}

const OPTS = { minFile: 0, minSplit: 64 * 1024 };

test('split reads into shared memory and plain reads give the file bytes', () => {
  const { path, bytes } = file('a.bin', 3 * 1024 * 1024 + 123);
  const src = new ParallelFileSource(path, OPTS);
  assert.ok(src.threaded, 'a helper thread reads half of each large read');
  const small = new ParallelFileSource(path);
  assert.equal(small.threaded, false, 'no helper for files under 1 GiB');
  small.close();
  try {
    const shared = new Uint8Array(new SharedArrayBuffer(bytes.length + 100));
    for (const [off, len] of [
      [0, bytes.length],
      [7, 1_000_001],
      [4096 * 3, 64 * 1024],
      [bytes.length - 70_000, 70_000],
    ] as const) {
      const dst = shared.subarray(50, 50 + len);
      dst.fill(0);
      src.readInto(off, dst);
      assert.deepEqual(dst, bytes.subarray(off, off + len), `shared read at ${off}, ${len} bytes`);
      const plain = new Uint8Array(len);
      src.readInto(off, plain);
      assert.deepEqual(plain, bytes.subarray(off, off + len), `plain read at ${off}`);
    }
    assert.deepEqual(src.read(10, 20), bytes.subarray(10, 30));
    assert.throws(() => src.readInto(bytes.length - 10, shared.subarray(0, 11)), FormatError);
  } finally {
    src.close();
  }
  assert.equal(src.threaded, false, 'close() stops the helper');
  assert.throws(() => src.readInto(0, new Uint8Array(4)), FormatError, 'closed');
});

test('a file that shrinks after open is a FormatError on either half', () => {
  const n = 1024 * 1024;
  for (const keep of [n - 1000, n / 4]) {
    const { path } = file(`b-${keep}.bin`, n);
    const src = new ParallelFileSource(path, OPTS);
    try {
      truncateSync(path, keep);
      const dst = new Uint8Array(new SharedArrayBuffer(n));
      assert.throws(() => src.readInto(0, dst), FormatError);
    } finally {
      src.close();
    }
  }
});

test('loadFs.open: a missing file is a UsageError naming it', () => {
  assert.throws(
    () => loadFs.open(join(dir, 'missing.gguf')),
    (e: unknown) => e instanceof UsageError && e.file === join(dir, 'missing.gguf'),
  );
});
