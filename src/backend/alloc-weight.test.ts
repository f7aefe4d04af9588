// Backend.allocWeight / commitWeight (weights filled in place) on both backends: the bytes written
// into the view are the weight (read back for plain types; for block types, through the
// dequantizing gather against src/quant's reference and the same linear as uploadWeight), the
// view is taken after the allocation's own memory growth, and bad calls throw typed errors naming
// the field.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FormatError, type LlmtsError, ShapeError, UnsupportedError, UsageError } from '../errors.js';
import { dequantizeRow, quantizeRow } from '../quant/index.js';
import { GgmlType, rowBytes, typeName } from '../tensor/dtype.js';
import type { Backend, Weight } from './backend.js';
import { JsBackend } from './js/index.js';
import type { WasmBackend } from './wasm/backend.js';
import { createWasmBackend } from './wasm/setup-node.js';

/** Deterministic pseudo-random values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  const f = new Float32Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    f[i] = x / 2 ** 31 - 1;
  }
  return f;
}

/** File bytes of a [rows, cols] weight of `type` made by the reference quantizer. */
function fileBytes(type: GgmlType, rows: number, cols: number, seed: number): Uint8Array {
  const f = values(rows * cols, seed);
  if (type === GgmlType.F32) return new Uint8Array(f.buffer);
  const rb = rowBytes(type, cols)!;
  const out = new Uint8Array(rows * rb);
  for (let r = 0; r < rows; r++) quantizeRow(type, f, r * cols, out, r * rb, cols);
  return out;
}

function expectField(fn: () => unknown, cls: new (...a: never[]) => LlmtsError, field: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
    assert.equal((e as LlmtsError).field, field);
    return true;
  });
}

/** All rows gathered through Backend.embedding (dequantized), as f32. */
function gather(be: Backend, w: Weight): Float32Array {
  const ids = Int32Array.from({ length: w.rows }, (_, i) => i);
  const out = be.alloc(w.rows * w.cols * 4);
  be.embedding(out, w, ids, w.rows);
  const f = new Float32Array(w.rows * w.cols);
  be.read(out, f);
  be.free(out);
  return f;
}

function linearOut(be: Backend, w: Weight, x: Float32Array, m: number): Float32Array {
  const xb = be.alloc(x.byteLength);
  be.write(xb, x);
  const ob = be.alloc(m * w.rows * 4);
  be.linear(ob, xb, w, m);
  const out = new Float32Array(m * w.rows);
  be.read(ob, out);
  be.free(xb);
  be.free(ob);
  return out;
}

const TYPES = [GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K];

const backends: [string, () => Promise<Backend>][] = [
  ['js', async () => new JsBackend()],
  ['wasm', () => createWasmBackend({ threads: 2 })],
];

for (const [label, make] of backends) {
  describe(`${label}: allocWeight + commitWeight`, () => {
    let be: Backend;
    before(async () => {
      be = await make();
    });
    after(() => be.dispose());

    for (const type of TYPES) {
      test(`${typeName(type)}: bytes written into the view are the weight`, () => {
        const rows = 24;
        const cols = 256;
        const data = fileBytes(type, rows, cols, 7 + type);
        const { weight, bytes } = be.allocWeight(type, rows, cols);
        assert.equal(bytes.byteLength, data.byteLength, 'the view spans the weight in file layout');
        bytes.set(data);
        const w = be.commitWeight(weight);
        assert.deepEqual([w.type, w.rows, w.cols], [type, rows, cols]);
        if (type === GgmlType.F32 || type === GgmlType.F16 || type === GgmlType.BF16) {
          const back = new Uint8Array(data.byteLength);
          be.read(w.buf, back);
          assert.deepEqual(back, data, 'read back byte for byte');
        }
        // The gather dequantizes exactly what src/quant dequantizes from the file bytes.
        const want = new Float32Array(rows * cols);
        const rb = rowBytes(type, cols)!;
        for (let r = 0; r < rows; r++) dequantizeRow(type, data, r * rb, want, r * cols, cols);
        assert.deepEqual(gather(be, w), want);
        // And it is the same weight as uploadWeight makes from the same bytes.
        const u = be.uploadWeight(type, rows, cols, data);
        const x = values(3 * cols, 99);
        assert.deepEqual(linearOut(be, w, x, 3), linearOut(be, u, x, 3));
        be.freeWeight(u);
        be.freeWeight(w);
      });
    }

    test('the view is valid right after an allocation that grows memory', () => {
      // 24 MiB: larger than anything allocated so far, so a WASM backend grows its memory here.
      const rows = 6144;
      const cols = 1024;
      const data = fileBytes(GgmlType.F32, rows, cols, 3);
      const { weight, bytes } = be.allocWeight(GgmlType.F32, rows, cols);
      bytes.set(data);
      const w = be.commitWeight(weight);
      const back = new Uint8Array(data.byteLength);
      be.read(w.buf, back);
      assert.deepEqual(back, data);
      be.freeWeight(w);
    });

    test('bad calls: typed errors naming the field', () => {
      expectField(() => be.allocWeight(GgmlType.Q8_0, 2, 33), ShapeError, 'cols');
      expectField(() => be.allocWeight(GgmlType.F32, -1, 4), ShapeError, 'rows');
      expectField(() => be.allocWeight(GgmlType.F32, 2, 1.5), ShapeError, 'cols');
      expectField(() => be.allocWeight(GgmlType.I32, 2, 4), UnsupportedError, 'type');
      expectField(() => be.uploadWeight(GgmlType.Q8_0, 2, 32, new Uint8Array(35)), ShapeError, 'data');
      const other = new JsBackend();
      const { weight } = other.allocWeight(GgmlType.F32, 1, 4);
      assert.throws(() => be.commitWeight(weight), UsageError, "another backend's weight");
      other.dispose();
      assert.equal(be.supportsWeight(GgmlType.I32), false);
    });
  });
}

test('wasm: commitWeight runs the quantized post-upload step; a failing upload frees its weight', async () => {
  const be: WasmBackend = await createWasmBackend({ threads: 1 });
  try {
    const ctx = be.context as unknown as { bytesInUse: number };
    const data = fileBytes(GgmlType.Q8_0, 4, 64, 5);
    data[34 + 1] = 0x7c; // row 0, block 1: f16 scale = inf (high byte 0x7c)
    const { weight, bytes } = be.allocWeight(GgmlType.Q8_0, 4, 64);
    bytes.set(data);
    expectField(() => be.commitWeight(weight), FormatError, 'data');
    be.freeWeight(weight);
    const before = ctx.bytesInUse;
    assert.equal(typeof before, 'number', 'the context reports the bytes in use');
    expectField(() => be.uploadWeight(GgmlType.Q8_0, 4, 64, data), FormatError, 'data');
    assert.equal(ctx.bytesInUse, before, 'the failed upload freed its storage');
  } finally {
    be.dispose();
  }
});

test('wasm: an F16 weight holding an inf or NaN is refused at commit (the f16 decode kernel widens finite halves only)', async () => {
  const be: WasmBackend = await createWasmBackend({ threads: 1 });
  try {
    for (const [at, bits] of [
      [0, 0x7c00], // +inf, first element
      [37, 0xfc00], // -inf, in the K % 8 tail
      [20, 0x7e01], // NaN
    ] as const) {
      const data = new Uint8Array(2 * 3 * 13);
      const u16 = new Uint16Array(data.buffer);
      for (let i = 0; i < u16.length; i++) u16[i] = 0x3c00 + i; // finite halves
      u16[at] = bits;
      expectField(() => be.uploadWeight(GgmlType.F16, 3, 13, data), FormatError, 'data');
    }
    // The largest finite half and subnormals pass.
    const ok = new Uint16Array([0x7bff, 0xfbff, 0x0001, 0x8001, 0, 0x8000, 0x3c00, 0x03ff]);
    be.freeWeight(be.uploadWeight(GgmlType.F16, 1, 8, new Uint8Array(ok.buffer)));
  } finally {
    be.dispose();
  }
});
