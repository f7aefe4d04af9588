// Block formats on synthetic data: dequantize∘quantize round trips, error bounds against the
// source, vecDot against an f64 dot of the dequantized operands, and the API's input checks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShapeError, UnsupportedError } from '../errors.js';
import { GgmlType, rowBytes, typeName } from '../tensor/dtype.js';
import { canQuantize, canVecDot, dequantizeRow, FORMATS, quantizeRow, vecDot, vecDotType } from './index.js';

/** Seeded standard normals (LCG + Box-Muller), reproducible across runs. */
function normals(n: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s + 0.5) / 2147483648;
  };
  for (let i = 0; i < n; i++)
    out[i] = scale * Math.sqrt(-2 * Math.log(rnd())) * Math.cos(2 * Math.PI * rnd());
  return out;
}

function quant(type: GgmlType, x: Float32Array): Uint8Array {
  const q = new Uint8Array(rowBytes(type, x.length)!);
  quantizeRow(type, x, 0, q, 0, x.length);
  return q;
}

function dequant(type: GgmlType, q: Uint8Array, n: number): Float32Array {
  const d = new Float32Array(n);
  dequantizeRow(type, q, 0, d, 0, n);
  return d;
}

const N = 256 * 8;

/** Worst relative RMS error allowed per type (gguf-py measures Q8_0 0.55 %, Q4_0 8.7 % on real tensors). */
const MAX_REL_RMSE: ReadonlyMap<GgmlType, number> = new Map([
  [GgmlType.F16, 0.001],
  [GgmlType.BF16, 0.005],
  [GgmlType.Q8_0, 0.01],
  [GgmlType.Q8_1, 0.01],
  [GgmlType.Q8_K, 0.01],
  [GgmlType.Q4_0, 0.1],
  [GgmlType.Q4_1, 0.1],
  [GgmlType.Q5_0, 0.05],
  [GgmlType.Q5_1, 0.05],
  [GgmlType.Q2_K, 0.35],
  [GgmlType.Q3_K, 0.18],
  [GgmlType.Q4_K, 0.08],
  [GgmlType.Q5_K, 0.04],
  [GgmlType.Q6_K, 0.02],
]);

test('quantize -> dequantize error is within the format precision', () => {
  const x = normals(N, 11, 0.02);
  let sx = 0;
  for (const v of x) sx += v * v;
  for (const [type, bound] of MAX_REL_RMSE) {
    const d = dequant(type, quant(type, x), N);
    let e = 0;
    for (let i = 0; i < N; i++) e += (d[i]! - x[i]!) ** 2;
    const rel = Math.sqrt(e / sx);
    assert.ok(rel < bound, `${typeName(type)}: relative RMSE ${rel} >= ${bound}`);
  }
});

test('round trips are stable: quantizing a dequantized row gives the same bytes (or values)', () => {
  // exact byte fixed points after one round
  const sameBytes = [
    GgmlType.F16,
    GgmlType.BF16,
    GgmlType.Q8_0,
    GgmlType.Q4_0,
    GgmlType.Q4_1,
    GgmlType.Q5_0,
    GgmlType.Q5_1,
    GgmlType.Q4_K,
  ];
  // Q8_1 (its s field), Q6_K (scale/quant split), Q2_K, Q3_K, Q5_K and Q8_K (scale searches) may re-encode once,
  // moving values by less than a quantization step, and then reach a byte fixed point.
  const settles = [GgmlType.Q8_1, GgmlType.Q6_K, GgmlType.Q5_K, GgmlType.Q8_K, GgmlType.Q2_K, GgmlType.Q3_K];
  for (const seed of [1, 2, 3]) {
    const amp = seed === 3 ? 3 : 0.02;
    const x = normals(N, seed, amp);
    x[17] = 40 * amp; // an outlier in the first block
    x.fill(0, 256, 512); // an all-zero super-block
    const xc = x.slice();
    xc.fill(amp / 2, 512, 768); // a constant super-block
    for (const type of [...sameBytes, ...settles]) {
      // ggml's Q6_K search alternates between two encodings of a constant block (a 2-cycle that
      // the C reference shows too), so Q6_K's fixed point is checked without that block.
      const q = quant(type, type === GgmlType.Q6_K ? x : xc);
      const d = dequant(type, q, N);
      const q2 = quant(type, d);
      if (sameBytes.includes(type)) {
        assert.deepEqual(q2, q, `${typeName(type)} seed ${seed}: bytes changed`);
        continue;
      }
      const d2 = dequant(type, q2, N);
      assert.deepEqual(quant(type, d2), q2, `${typeName(type)} seed ${seed}: no fixed point`);
      let moved = 0;
      for (let i = 0; i < N; i++) moved = Math.max(moved, Math.abs(d2[i]! - d[i]!));
      // bounded by the format's precision relative to the largest value (the outlier)
      assert.ok(
        moved <= MAX_REL_RMSE.get(type)! * 40 * amp,
        `${typeName(type)} seed ${seed}: values moved by ${moved}`,
      );
    }
  }
});

test('vecDot equals the f64 dot of the dequantized operands, and approximates the f32 dot', () => {
  const w = normals(N, 5, 0.02);
  const x = normals(N, 6, 1);
  let exact = 0;
  let scale = 0;
  for (let i = 0; i < N; i++) {
    exact += w[i]! * x[i]!;
    scale += Math.abs(w[i]! * x[i]!);
  }
  const types = [...FORMATS.keys()].filter((t) => canVecDot(t) && canQuantize(t));
  assert.equal(types.length, 13);
  for (const type of types) {
    const xt = vecDotType(type);
    const wq = quant(type, w);
    const xq = quant(xt, x);
    const wd = dequant(type, wq, N);
    const xd = dequant(xt, xq, N);
    let ref = 0;
    for (let i = 0; i < N; i++) ref += wd[i]! * xd[i]!;
    const got = vecDot(type, wq, 0, xq, 0, N);
    assert.equal(got, Math.fround(got), `${typeName(type)}: not an f32 value`);
    // Q4_1/Q5_1 use Q8_1's s = f16(d * sum(q)) for the min term, which is rounded; others are exact
    // up to f32 accumulation.
    const tol = xt === GgmlType.Q8_1 ? 2e-3 * scale : 1e-5 * scale;
    assert.ok(Math.abs(got - ref) <= tol, `${typeName(type)}: ${got} vs ${ref}`);
    const qtol = (MAX_REL_RMSE.get(type) ?? 0.1) * 2 * scale;
    assert.ok(Math.abs(got - exact) <= qtol, `${typeName(type)}: ${got} vs exact ${exact}`);
  }
});

test('dequantize-only formats (IQ4_NL, IQ4_XS): vecDot equals the f64 dot of the dequantized operands', () => {
  let seed = 77;
  const byte = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed >> 16;
  };
  for (const [type, bs, ts] of [
    [GgmlType.IQ4_NL, 32, 18],
    [GgmlType.IQ4_XS, 256, 136],
  ] as const) {
    const w = new Uint8Array((N / bs) * ts);
    for (let i = 0; i < w.length; i++) w[i] = byte() & 0xff;
    // keep the f16 block scales finite and small: d in [-1, 1)
    for (let b = 0; b < N / bs; b++) {
      w[b * ts] = byte() & 0xff;
      w[b * ts + 1] = (byte() & 0x80) | (0x30 + (byte() % 0x0c));
    }
    const xt = vecDotType(type);
    const xq = quant(xt, normals(N, 12, 1));
    const wd = dequant(type, w, N);
    const xd = dequant(xt, xq, N);
    let ref = 0;
    let scale = 0;
    for (let i = 0; i < N; i++) {
      ref += wd[i]! * xd[i]!;
      scale += Math.abs(wd[i]! * xd[i]!);
    }
    const got = vecDot(type, w, 0, xq, 0, N);
    assert.ok(Math.abs(got - ref) <= 1e-5 * scale, `${typeName(type)}: ${got} vs ${ref}`);
  }
});

test('vecDot at byte offsets reads the right blocks', () => {
  const w = normals(512, 8, 0.02);
  const x = normals(512, 9, 1);
  for (const type of [GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q5_1]) {
    const xt = vecDotType(type);
    const wq = quant(type, w);
    const xq = quant(xt, x);
    const wPad = new Uint8Array(wq.length + 7);
    wPad.set(wq, 7);
    const xPad = new Uint8Array(xq.length + 3);
    xPad.set(xq, 3);
    assert.equal(vecDot(type, wPad, 7, xPad, 3, 512), vecDot(type, wq, 0, xq, 0, 512));
    const d = new Float32Array(520);
    dequantizeRow(type, wPad, 7, d, 8, 512);
    assert.deepEqual(d.subarray(8), dequant(type, wq, 512));
  }
});

test('vecDotType pairs as in ggml-cpu type_traits', () => {
  assert.equal(vecDotType(GgmlType.Q4_0), GgmlType.Q8_0);
  assert.equal(vecDotType(GgmlType.Q5_0), GgmlType.Q8_0);
  assert.equal(vecDotType(GgmlType.Q8_0), GgmlType.Q8_0);
  assert.equal(vecDotType(GgmlType.Q4_1), GgmlType.Q8_1);
  assert.equal(vecDotType(GgmlType.Q5_1), GgmlType.Q8_1);
  for (const t of [GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K]) {
    assert.equal(vecDotType(t), GgmlType.Q8_K);
  }
  for (const t of [GgmlType.F32, GgmlType.F16, GgmlType.BF16]) assert.equal(vecDotType(t), t);
});

test('bad row lengths and unsupported types are typed errors', () => {
  const x = new Float32Array(64);
  const q = new Uint8Array(1024);
  assert.throws(() => quantizeRow(GgmlType.Q4_K, x, 0, q, 0, 64), ShapeError);
  assert.throws(() => quantizeRow(GgmlType.Q8_0, x, 0, q, 0, 33), ShapeError);
  assert.throws(() => dequantizeRow(GgmlType.Q4_0, q, 0, x, 0, -32), ShapeError);
  assert.throws(() => quantizeRow(GgmlType.IQ2_XXS, x, 0, q, 0, 256), UnsupportedError);
  assert.throws(() => vecDot(GgmlType.Q8_1, q, 0, q, 0, 32), UnsupportedError);
  assert.throws(() => vecDotType(GgmlType.IQ2_XXS), UnsupportedError);
  assert.throws(() => quantizeRow(GgmlType.IQ4_XS, x, 0, q, 0, 256), UnsupportedError);
  // ranges outside the arrays
  assert.throws(() => quantizeRow(GgmlType.Q8_0, x, 48, q, 0, 32), RangeError);
  assert.throws(() => quantizeRow(GgmlType.Q8_0, x, 0, q, 1000, 32), RangeError);
  assert.throws(() => dequantizeRow(GgmlType.Q4_K, q, 1000, new Float32Array(256), 0, 256), RangeError);
  assert.throws(() => dequantizeRow(GgmlType.Q8_0, q, 0, x, 40, 32), RangeError);
  assert.throws(() => vecDot(GgmlType.Q4_K, q, 0, q, 900, 256), RangeError);
});
