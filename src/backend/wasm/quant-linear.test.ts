// Quantized WASM linear kernels against the JS reference (src/quant: quantizeRow to the paired
// activation format, then ggml's generic vecDot), for every supported weight type, awkward row
// counts, m = 1 and m > 1, at 1 and 2 threads, on the portable and the relaxed build; also f16
// edge-value scales (subnormals, ±0, largest finite), every code at its largest with activations
// at ±127 (the kernels' 16-bit partial sums at their bounds), and refusal of non-finite scales.
//
// Tolerance: the integer block dot products are exact in both; only the f32 sums of the scaled
// block terms run in a different order (ggml: in sequence; WASM: 4 lanes, fused multiply-add in
// the relaxed build). So |wasm − ref| ≤ 5e-7 · (Σ_k |w_k|·|x_k| + |ref|), with w and x the
// dequantized weight and activation values (observed: ≤ 3e-8 at K = 4096). A wrong scale, offset
// or nibble moves a result by ~1e-2 of that magnitude, far above the bound.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FormatError, ShapeError, UnsupportedError, UsageError } from '../../errors.js';
import { dequantizeRow, quantizeRow, vecDot, vecDotType } from '../../quant/index.js';
import { GgmlType, rowBytes, typeName } from '../../tensor/dtype.js';
import { WasmBuf } from './buf.js';
import type { WasmContextImpl } from './context.js';
import { quantLinear, quantLinearTypes } from './quant-linear.js';
import {
  type QuantBuild,
  quantBuilds,
  quantTestContext,
  randomQuantWeight,
  rng,
} from './quant-testing-node.js';
import { uploadQuantWeight } from './quant-weight.js';

const TYPES = [GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K];

/** Weights from quantizeRow of random floats (realistic scales and codes). */
function quantizedWeight(type: GgmlType, rows: number, cols: number, r: () => number): Uint8Array {
  const rb = rowBytes(type, cols)!;
  const b = new Uint8Array(rows * rb);
  const f = new Float32Array(cols);
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < cols; k++) f[k] = (r() - 0.5) * (k % 7 === 0 ? 3 : 1);
    quantizeRow(type, f, 0, b, i * rb, cols);
  }
  return b;
}

function randomX(n: number, r: () => number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = (r() - 0.5) * 4 * (i % 11 === 0 ? 8 : 1);
  return x;
}

/** Reference out[t][r] = vecDot(W[r], quantize(x[t])) and the magnitude bound per element. */
function reference(type: GgmlType, w: Uint8Array, rows: number, cols: number, x: Float32Array, m: number) {
  const at = vecDotType(type);
  const rb = rowBytes(type, cols)!;
  const xb = rowBytes(at, cols)!;
  const xq = new Uint8Array(xb);
  const xd = new Float32Array(cols);
  const wd = new Float32Array(cols);
  const ref = new Float64Array(m * rows);
  const mag = new Float64Array(m * rows);
  for (let t = 0; t < m; t++) {
    quantizeRow(at, x, t * cols, xq, 0, cols);
    dequantizeRow(at, xq, 0, xd, 0, cols);
    for (let i = 0; i < rows; i++) {
      ref[t * rows + i] = vecDot(type, w, i * rb, xq, 0, cols);
      dequantizeRow(type, w, i * rb, wd, 0, cols);
      let s = 0;
      for (let k = 0; k < cols; k++) s += Math.abs(wd[k]! * xd[k]!);
      mag[t * rows + i] = s;
    }
  }
  return { ref, mag };
}

function f32Buf(ctx: WasmContextImpl, n: number): WasmBuf {
  return new WasmBuf(ctx.alloc(n * 4), n * 4);
}

function check(
  ctx: WasmContextImpl,
  type: GgmlType,
  rows: number,
  cols: number,
  m: number,
  seed: number,
  mode: 'random' | 'realistic' | 'special' | 'extreme',
): void {
  const r = rng(seed);
  const data =
    mode === 'realistic' ? quantizedWeight(type, rows, cols, r) : randomQuantWeight(type, rows, cols, r);
  if (mode === 'special') specialScales(type, data);
  if (mode === 'extreme') extremeCodes(type, data);
  const x = mode === 'extreme' ? extremeX(m, cols) : randomX(m * cols, r);
  const { ref, mag } = reference(type, data, rows, cols, x, m);
  const w = uploadQuantWeight(ctx, type, rows, cols, data);
  const offX = 3;
  const offOut = 5;
  const xb = f32Buf(ctx, offX + m * cols);
  const ob = f32Buf(ctx, offOut + m * rows + 2);
  ctx.f32().set(x, xb.ptr / 4 + offX);
  const prev = new Float32Array(m * rows + offOut + 2);
  for (let i = 0; i < prev.length; i++) prev[i] = r() - 0.5;
  for (const accumulate of [false, true]) {
    ctx.f32().set(prev, ob.ptr / 4);
    quantLinear(ctx, ob, xb, w, m, accumulate, offX, offOut);
    const got = ctx.f32().slice(ob.ptr / 4, ob.ptr / 4 + prev.length);
    for (let i = 0; i < offOut; i++) assert.equal(got[i], prev[i], 'out before offOut untouched');
    assert.equal(got[offOut + m * rows], prev[offOut + m * rows], 'out after the product untouched');
    for (let i = 0; i < m * rows; i++) {
      const want = ref[i]! + (accumulate ? prev[offOut + i]! : 0);
      const tol = 5e-7 * (mag[i]! + Math.abs(ref[i]!)) + (accumulate ? 1e-7 : 0);
      const diff = Math.abs(got[offOut + i]! - want);
      if (!(diff <= tol)) {
        assert.fail(
          `${typeName(type)} rows=${rows} cols=${cols} m=${m} acc=${accumulate}: out[${Math.floor(i / rows)}][${i % rows}]` +
            ` = ${got[offOut + i]}, reference ${want} (diff ${diff}, tol ${tol})`,
        );
      }
    }
  }
  ctx.free(xb.ptr);
  ctx.free(ob.ptr);
  ctx.free(w.buf.ptr);
}

/**
 * Block f16 scales (Q8_0/Q4_0 d, K-quant d and dmin) cycled through edge values (subnormals, ±0,
 * the largest finite, the smallest normal, both signs): the kernels widen them with finite-only
 * bit tricks. K-quant dmin stays non-negative as quantizers write it (it still may be anything).
 */
const SPECIAL_F16 = [0x0001, 0x8001, 0x03ff, 0x83ff, 0x0000, 0x8000, 0x7bff, 0xfbff, 0x0400, 0x8400, 0x3c00];
function specialScales(type: GgmlType, data: Uint8Array): void {
  const f16At: Record<number, readonly number[]> = {
    [GgmlType.Q8_0]: [0],
    [GgmlType.Q4_0]: [0],
    [GgmlType.Q4_K]: [0, 2],
    [GgmlType.Q5_K]: [0, 2],
    [GgmlType.Q6_K]: [208],
  };
  const bs = rowBytes(type, type === GgmlType.Q8_0 || type === GgmlType.Q4_0 ? 32 : 256)!;
  for (let o = 0, i = 0; o < data.length; o += bs, i++) {
    if (i % 3 === 2) continue; // keep some ordinary scales
    for (const [j, at] of (f16At[type] ?? []).entries()) {
      const h = SPECIAL_F16[(i + 5 * j) % SPECIAL_F16.length]!;
      data[o + at] = h & 0xff;
      data[o + at + 1] = h >>> 8;
    }
  }
}

/**
 * Every quant at its largest code (and K-quant sub-block scales and mins at their largest), so
 * with activations all at ±127 each 16-bit partial sum in the kernels reaches its bound.
 */
function extremeCodes(type: GgmlType, data: Uint8Array): void {
  const bs = rowBytes(type, type === GgmlType.Q8_0 || type === GgmlType.Q4_0 ? 32 : 256)!;
  for (let o = 0; o < data.length; o += bs) {
    const f16 =
      type === GgmlType.Q6_K ? [208] : type === GgmlType.Q4_K || type === GgmlType.Q5_K ? [0, 2] : [0];
    for (let i = 0; i < bs; i++) if (!f16.some((f) => i === f || i === f + 1)) data[o + i] = 0xff;
    if (type === GgmlType.Q8_0) for (let i = 2; i < 34; i++) data[o + i] = (o / bs) % 2 === 0 ? 0x7f : 0x80;
    if (type === GgmlType.Q6_K)
      for (let i = 192; i < 208; i++) data[o + i] = (o / bs) % 2 === 0 ? 0x7f : 0x80;
  }
}

/** Token 0: all +1, token 1: all −1, further tokens alternate: every Q8 activation is ±127. */
function extremeX(m: number, cols: number): Float32Array {
  const x = new Float32Array(m * cols);
  for (let t = 0; t < m; t++) x.fill(t % 2 === 0 ? 1 : -1, t * cols, (t + 1) * cols);
  return x;
}

const CASES: ReadonlyArray<{ rows: number; m: number }> = [
  { rows: 1, m: 1 },
  { rows: 3, m: 1 },
  { rows: 17, m: 3 },
  { rows: 255, m: 1 },
  { rows: 17, m: 4 },
  { rows: 5, m: 2 },
  { rows: 6, m: 6 },
  { rows: 33, m: 9 },
];

for (const build of quantBuilds()) {
  for (const threads of [1, 2]) {
    describe(`quantLinear (${build}, ${threads} thread${threads > 1 ? 's' : ''})`, () => {
      let ctx: WasmContextImpl;
      before(async () => {
        ctx = await quantTestContext(build as QuantBuild, threads);
      });
      after(() => ctx.dispose());

      for (const type of TYPES) {
        test(`${typeName(type)} matches vecDot`, () => {
          const cols = type === GgmlType.Q8_0 || type === GgmlType.Q4_0 ? 224 : 512; // 7 blocks: a group of 4 + 3 single
          let seed = type * 1000 + threads;
          for (const { rows, m } of CASES) check(ctx, type, rows, cols, m, seed++, 'random');
          check(ctx, type, 20, 768, 5, seed++, 'realistic');
          check(ctx, type, 5, 1024, 1, seed++, 'extreme');
          check(ctx, type, 5, 1024, 4, seed++, 'extreme');
          check(ctx, type, 9, cols === 224 ? 352 : 1024, 1, seed++, 'special');
          check(ctx, type, 9, cols === 224 ? 352 : 1024, 4, seed++, 'special');
          // K = 16384: rows exceed the kernels' L2 row block (~192 KiB), so blocking is exercised
          if (threads === 1) check(ctx, type, 23, 16384, 5, seed++, 'random');
        });
      }
    });
  }
}

describe('quantLinear input checks', () => {
  let ctx: WasmContextImpl;
  before(async () => {
    ctx = await quantTestContext(quantBuilds()[0]!, 1);
  });
  after(() => ctx.dispose());

  test('supported types', () => {
    assert.deepEqual([...quantLinearTypes].sort(), [...TYPES].sort());
  });

  test('typed errors for bad uploads', () => {
    assert.throws(() => uploadQuantWeight(ctx, GgmlType.Q4_1, 1, 32, new Uint8Array(20)), UnsupportedError);
    assert.throws(() => uploadQuantWeight(ctx, GgmlType.Q4_K, 1, 32, new Uint8Array(18)), ShapeError);
    assert.throws(() => uploadQuantWeight(ctx, GgmlType.Q8_0, 2, 32, new Uint8Array(34)), ShapeError);
    assert.throws(() => uploadQuantWeight(ctx, GgmlType.Q8_0, -1, 32, new Uint8Array(0)), ShapeError);
  });

  test('Q8_0 and Q4_0 weights with an inf or NaN block scale are refused', () => {
    for (const [type, bs] of [
      [GgmlType.Q8_0, 34],
      [GgmlType.Q4_0, 18],
    ] as const) {
      for (const h of [0x7c00, 0xfc00, 0x7e00, 0xffff]) {
        const data = new Uint8Array(3 * 2 * bs);
        const blk = 4; // row 2, block 0
        data[blk * bs] = h & 0xff;
        data[blk * bs + 1] = h >>> 8;
        assert.throws(
          () => uploadQuantWeight(ctx, type, 3, 64, data),
          (e: unknown) => {
            assert.ok(e instanceof FormatError);
            assert.equal(e.field, 'data');
            assert.match(e.message, /block 0 of row 2/);
            return true;
          },
        );
      }
    }
  });

  test("a weight whose recorded layout is not the kernels' is refused (UsageError naming w.layout)", () => {
    const w = uploadQuantWeight(ctx, GgmlType.Q4_K, 2, 256, new Uint8Array(2 * 144));
    const x = f32Buf(ctx, 256);
    const out = f32Buf(ctx, 2);
    quantLinear(ctx, out, x, w, 1);
    assert.throws(
      () => quantLinear(ctx, out, x, { ...w, layout: w.layout === 'gguf' ? 'q4k-t' : 'gguf' }, 1),
      (e: unknown) => e instanceof UsageError && e.field === 'w.layout',
    );
  });

  test('typed errors for buffers too small', () => {
    const w = uploadQuantWeight(ctx, GgmlType.Q8_0, 2, 32, new Uint8Array(68));
    const x = f32Buf(ctx, 32);
    const out = f32Buf(ctx, 2);
    assert.throws(() => quantLinear(ctx, out, x, w, 2), ShapeError);
    assert.throws(() => quantLinear(ctx, out, x, w, 1, false, 0, 1), ShapeError);
    quantLinear(ctx, out, x, w, 1);
  });
});

// The relaxed build's Q4_K and Q6_K kernels (q4k-t, q6k-t) keep the same i32 lanes per super-block
// in every path (kernels/quant_q4_k.ts, quant_q6_k.ts): one token at a time (two rows per pass,
// then one) and 4-token tiles.
describe('Q4_K, Q6_K: every path gives the same bits', () => {
  const builds = quantBuilds();
  const ctxs: WasmContextImpl[] = [];
  before(async () => {
    for (const b of builds) ctxs.push(await quantTestContext(b, 1));
  });
  after(() => {
    for (const c of ctxs) c.dispose();
  });

  for (const type of [GgmlType.Q4_K, GgmlType.Q6_K]) {
    test(`${typeName(type)}: m = 7 equals 7 single tokens`, () => {
      const rows = 37;
      const cols = 1024;
      const m = 7;
      const r = rng(4242 + type);
      const data = quantizedWeight(type, rows, cols, r);
      const x = randomX(m * cols, r);
      ctxs.forEach((ctx, bi) => {
        if (builds[bi] !== 'relaxed') return; // portable build: GGUF layouts, other lanes per path
        const w = uploadQuantWeight(ctx, type, rows, cols, data);
        const xb = f32Buf(ctx, m * cols);
        const ob = f32Buf(ctx, m * rows);
        ctx.f32().set(x, xb.ptr / 4);
        quantLinear(ctx, ob, xb, w, m);
        const tiled = ctx.f32().slice(ob.ptr / 4, ob.ptr / 4 + m * rows);
        for (let t = 0; t < m; t++) quantLinear(ctx, ob, xb, w, 1, false, t * cols, t * rows);
        const single = ctx.f32().slice(ob.ptr / 4, ob.ptr / 4 + m * rows);
        assert.deepEqual(new Uint32Array(single.buffer), new Uint32Array(tiled.buffer), builds[bi]);
        for (const p of [xb.ptr, ob.ptr, w.buf.ptr]) ctx.free(p);
      });
    });
  }
});
