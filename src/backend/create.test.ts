// createBackend: kind selection, option validation, and that `auto` picks WASM in Node.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../errors.js';
import { createBackend } from './create.js';
import { JsBackend } from './js/index.js';
import { WasmBackend } from './wasm/backend.js';

test('kind js gives the JS backend; auto and wasm give the WASM backend in Node', async () => {
  const js = await createBackend({ kind: 'js' });
  assert.ok(js instanceof JsBackend);
  js.dispose();
  for (const kind of ['auto', 'wasm'] as const) {
    const be = await createBackend({ kind, threads: 2 });
    try {
      assert.ok(be instanceof WasmBackend);
      assert.equal(be.threads, 2);
      assert.match(be.name, /^wasm-(relaxed|simd)$/);
    } finally {
      be.dispose();
    }
  }
});

test('invalid options throw UsageError', async () => {
  await assert.rejects(createBackend({ kind: 'gpu' as 'js' }), UsageError);
  await assert.rejects(createBackend({ kind: 'wasm', threads: 0 }), UsageError);
  await assert.rejects(createBackend({ kind: 'wasm', threads: 1.5 }), UsageError);
});

test('LLMTS_WASM forces the portable build', async () => {
  const prev = process.env.LLMTS_WASM;
  process.env.LLMTS_WASM = 'simd';
  try {
    const be = await createBackend({ kind: 'wasm', threads: 1 });
    assert.equal(be.name, 'wasm-simd');
    be.dispose();
    process.env.LLMTS_WASM = 'avx512';
    await assert.rejects(createBackend({ kind: 'wasm', threads: 1 }), UsageError);
  } finally {
    if (prev === undefined) delete process.env.LLMTS_WASM;
    else process.env.LLMTS_WASM = prev;
  }
});
