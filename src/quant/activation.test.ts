// quantizeActivationRow: ggml's x86 Q8_0/Q8_1 activation rounding (round half to even of
// x · 127/amax) against an independent transcription of that loop in f64-checked f32 arithmetic,
// and its relation to the reference quantizer (same scales, quants within one step).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GgmlType, rowBytes } from '../tensor/dtype.js';
import { f16ToF32, f32ToF16, quantizeActivationRow, quantizeRow } from './index.js';

/** Round half to even of an f32 value (independent of ggml's magic-number trick). */
function rint(v: number): number {
  const f = Math.floor(v);
  const r = v - f;
  if (r > 0.5) return f + 1;
  if (r < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

function data(n: number, seed: number): Float32Array {
  let s = seed;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = (s / 4294967296 - 0.5) * 6;
  }
  // Block 0: amax 127 so x·127/amax = x exactly: ±k.5 ties, which roundf and rint split.
  for (let j = 0; j < 32; j++) x[j] = j === 0 ? -127 : (j % 2 ? 1 : -1) * (j + 0.5);
  for (let j = 32; j < 64; j++) x[j] = 0; // all-zero block
  return x;
}

for (const type of [GgmlType.Q8_0, GgmlType.Q8_1]) {
  const bs = type === GgmlType.Q8_0 ? 34 : 36;
  const qo = type === GgmlType.Q8_0 ? 2 : 4;
  test(`quantizeActivationRow(${GgmlType[type]}) follows ggml's x86 rounding`, () => {
    const n = 32 * 40;
    const x = data(n, 7 + type);
    const got = new Uint8Array(rowBytes(type, n)!);
    const ref = new Uint8Array(got.length);
    quantizeActivationRow(type, x, 0, got, 0, n);
    quantizeRow(type, x, 0, ref, 0, n);
    let differ = 0;
    for (let b = 0; b < n / 32; b++) {
      const o = b * bs;
      let amax = 0;
      for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[b * 32 + j]!));
      const id = amax === 0 ? 0 : Math.fround(127 / amax);
      // The scale is the reference's (d = amax/127 as f16).
      assert.equal(got[o], ref[o], `d lo of block ${b}`);
      assert.equal(got[o + 1], ref[o + 1], `d hi of block ${b}`);
      let sum = 0;
      for (let j = 0; j < 32; j++) {
        const want = rint(Math.fround(x[b * 32 + j]! * id));
        const q = (got[o + qo + j]! << 24) >> 24;
        const r = (ref[o + qo + j]! << 24) >> 24;
        assert.equal(q, want, `block ${b} value ${j}`);
        assert.ok(Math.abs(q - r) <= 1);
        if (q !== r) differ++;
        sum += q;
      }
      if (type === GgmlType.Q8_1) {
        const s = f16ToF32(got[o + 2]! | (got[o + 3]! << 8));
        const d = Math.fround(amax / 127);
        assert.equal(s, f16ToF32(f32ToF16(Math.fround(sum * d))), `s of block ${b}`);
      }
    }
    // The tie block alone makes the two roundings disagree: the test can tell them apart.
    assert.ok(differ >= 8, `${differ} quants differ from the reference`);
  });
}

test('quantizeActivationRow keeps the reference quantizer for Q8_K and validates sizes', () => {
  const x = data(512, 3);
  const a = new Uint8Array(rowBytes(GgmlType.Q8_K, 512)!);
  const b = new Uint8Array(a.length);
  quantizeActivationRow(GgmlType.Q8_K, x, 0, a, 0, 512);
  quantizeRow(GgmlType.Q8_K, x, 0, b, 0, 512);
  assert.deepEqual(a, b);
  assert.throws(() => quantizeActivationRow(GgmlType.Q8_0, x, 0, a, 0, 33), /block size/);
});
