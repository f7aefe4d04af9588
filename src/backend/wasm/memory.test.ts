// WASM memory management: growth past the initial memory keeps data and results right, requests
// beyond wasm32's 4 GiB throw CapacityError, the allocator reuses freed blocks, dispose lets the
// process exit (worker threads do not keep it alive).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CapacityError } from '../../errors.js';
import { Rng } from '../conformance/random.js';
import { JsBackend } from '../js/index.js';
import { createWasmBackend } from './setup-node.js';

test('memory grows on demand; buffers allocated before and after growth stay right', async () => {
  const be = await createWasmBackend({ threads: 2 });
  const ref = new JsBackend();
  try {
    const rng = new Rng(11);
    const [m, n, k] = [8, 96, 80];
    const a = rng.uniform(m * k);
    const b = rng.uniform(k * n);
    const early = be.alloc(a.byteLength);
    be.write(early, a);
    const initial = be.context.memory.buffer.byteLength;
    // 3 × 24 MiB: well past the 16 MiB initial memory.
    const big = [0, 1, 2].map(() => be.alloc(24 << 20));
    assert.ok(be.context.memory.buffer.byteLength > initial, 'memory should have grown');
    const late = be.alloc(b.byteLength);
    be.write(late, b);
    const out = be.alloc(m * n * 4);
    be.matmul(out, early, late, { m, n, k });
    const got = new Float32Array(m * n);
    be.read(out, got);
    const ra = ref.alloc(a.byteLength);
    const rb = ref.alloc(b.byteLength);
    const ro = ref.alloc(m * n * 4);
    ref.write(ra, a);
    ref.write(rb, b);
    ref.matmul(ro, ra, rb, { m, n, k });
    const want = new Float32Array(m * n);
    ref.read(ro, want);
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) < 1e-4, `element ${i}`);
    // Data written before the growth is intact.
    const back = new Float32Array(a.length);
    be.read(early, back);
    assert.deepEqual(back, a);
    // Freed blocks are reused: the memory does not grow again for the same sizes.
    for (const x of big) be.free(x);
    const size = be.context.memory.buffer.byteLength;
    const again = [0, 1, 2].map(() => be.alloc(24 << 20));
    assert.equal(be.context.memory.buffer.byteLength, size);
    for (const x of again) be.free(x);
  } finally {
    be.dispose();
  }
});

test('a request beyond 4 GiB throws CapacityError naming the wasm32 limit', async () => {
  const be = await createWasmBackend({ threads: 1 });
  try {
    const before = be.context.memory.buffer.byteLength;
    assert.throws(
      () => be.alloc(5 * 2 ** 30),
      (e: unknown) => e instanceof CapacityError && /4 GiB/.test(e.message),
    );
    assert.throws(() => be.uploadWeight(0, 2 ** 17, 2 ** 14, new Uint8Array(0)), /needs/);
    assert.equal(be.context.memory.buffer.byteLength, before, 'no partial growth');
    // The backend still works afterwards.
    const x = be.alloc(16);
    be.fill(x, 1, 4);
  } finally {
    be.dispose();
  }
});

test('dispose lets a process with a 2-thread pool exit on its own', () => {
  const url = import.meta.url;
  const setup = url.replace(/memory\.test\.(ts|js)$/, (_m, ext: string) => `setup-node.${ext}`);
  const code = `
    const { createWasmBackend } = await import(${JSON.stringify(setup)});
    const be = await createWasmBackend({ threads: 2 });
    const b = be.alloc(1 << 20);
    be.fill(b, 1, 1 << 18);
    be.dispose();
    console.log('done');
  `;
  const r = spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', code], {
    timeout: 20000,
    encoding: 'utf8',
    cwd: fileURLToPath(new URL('.', url)),
  });
  assert.equal(r.error, undefined, `child did not exit: ${String(r.error)}`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /done/);
});
