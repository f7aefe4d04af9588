// Buffers: write/read round trips, views share storage, fill/copy (overlapping too), float64
// mode conversions, ownership and lifetime checks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShapeError, UsageError } from '../../errors.js';
import { JsBackend } from './js-backend.js';
import { get, get64 } from './testing.js';

for (const float64 of [false, true]) {
  test(`memory ops (float64=${float64})`, () => {
    const be = new JsBackend({ float64 });
    const buf = be.alloc(4 * 10);
    assert.equal(buf.bytes, 40);
    be.write(buf, new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    be.write(buf, new Float32Array([-1, -2]), 8);
    assert.deepEqual([...get(be, buf, 10)], [1, 2, -1, -2, 5, 6, 7, 8, 9, 10]);
    const part = new Float32Array(3);
    be.read(buf, part, 12);
    assert.deepEqual([...part], [-2, 5, 6]);
    // Views share storage.
    const v = be.view(buf, 16, 16);
    assert.equal(v.bytes, 16);
    be.fill(v, 0.5, 2, 1);
    assert.deepEqual([...get(be, buf, 10)], [1, 2, -1, -2, 5, 0.5, 0.5, 8, 9, 10]);
    // copy with offsets, then an overlapping copy inside one buffer (memmove semantics).
    be.copy(v, buf, 2, 0, 0);
    assert.deepEqual([...get(be, v, 4)], [1, 2, 0.5, 8]);
    be.copy(buf, buf, 5, 1, 0);
    assert.deepEqual([...get(be, buf, 10)], [1, 1, 2, -1, -2, 1, 0.5, 8, 9, 10]);
    // Raw bytes: 1.5f = 0x3fc00000.
    be.write(buf, new Uint8Array([0, 0, 0xc0, 0x3f]), 0);
    assert.equal(get(be, buf, 1)[0], 1.5);
    const raw = new Uint8Array(4);
    be.read(buf, raw, 4);
    assert.deepEqual([...raw], [0, 0, 0x80, 0x3f]);
    // Bounds.
    assert.throws(() => be.write(buf, new Float32Array(11)), ShapeError);
    assert.throws(() => be.read(buf, new Float32Array(2), 36), ShapeError);
    assert.throws(() => be.view(buf, 4, 40), ShapeError);
    assert.throws(() => be.view(buf, 2, 4), ShapeError);
    assert.throws(() => be.fill(buf, 0, 11), ShapeError);
    assert.throws(() => be.copy(buf, v, 5), ShapeError);
    assert.throws(() => be.alloc(-1), ShapeError);
    // Ownership and lifetime.
    assert.throws(() => new JsBackend().fill(buf, 0, 1), UsageError);
    be.free(buf);
    assert.throws(() => be.fill(v, 0, 1), UsageError);
    be.dispose();
    assert.throws(() => be.alloc(4), UsageError);
  });
}

test('float64 mode keeps f64 values exactly; f32 mode rounds', () => {
  const x = new Float64Array([0.1, Math.PI]);
  const b64 = new JsBackend({ float64: true });
  const buf64 = b64.alloc(8);
  b64.write(buf64, x);
  assert.deepEqual(get64(b64, buf64, 2), x);
  assert.deepEqual(get(b64, buf64, 2), Float32Array.from(x));
  const b32 = new JsBackend();
  const buf32 = b32.alloc(8);
  b32.write(buf32, Float32Array.from(x));
  assert.deepEqual([...get(b32, buf32, 2)], [Math.fround(0.1), Math.fround(Math.PI)]);
});
