// f16 / bf16 conversions, exhaustively over all 65536 bit patterns, against independent
// conversions written with plain f64 arithmetic (Math.pow scaling and explicit ties-to-even).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from './index.js';

/** Independent f16 decoder: sign * 2^(e-15) * (1 + m/1024), subnormals m * 2^-24. */
function refF16(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 31;
  const m = h & 1023;
  if (e === 31) return m === 0 ? s * Infinity : Number.NaN;
  if (e === 0) return s * m * 2 ** -24;
  return s * 2 ** (e - 15) * (1 + m / 1024);
}

/** Independent bf16 decoder. */
function refBf16(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 7) & 255;
  const m = h & 127;
  if (e === 255) return m === 0 ? s * Infinity : Number.NaN;
  if (e === 0) return s * m * 2 ** -133;
  return s * 2 ** (e - 127) * (1 + m / 128);
}

/** Rounds |x| to a multiple of `quantum` (a power of two), ties to even multiples. */
function roundToQuantum(x: number, quantum: number): number {
  const q = x / quantum; // exact: power-of-two scaling
  const f = Math.floor(q);
  const r = q - f;
  const k = r > 0.5 || (r === 0.5 && f % 2 === 1) ? f + 1 : f;
  return k * quantum;
}

/** Independent f32 -> f16 -> value: round to nearest even with 11 significant bits. */
function refToF16Value(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const a = Math.abs(x);
  let v: number;
  if (a < 2 ** -14) v = roundToQuantum(a, 2 ** -24);
  else {
    let e = -14;
    while (2 ** (e + 1) <= a) e++;
    v = roundToQuantum(a, 2 ** (e - 10));
  }
  if (v >= 65536) v = Infinity; // 65520 and up round to 2^16, which overflows
  return x < 0 || Object.is(x, -0) ? -v : v;
}

/** Independent f32 -> bf16 -> value: 8 significant bits, ties to even. */
function refToBf16Value(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const a = Math.abs(x);
  let v: number;
  if (a < 2 ** -126) v = roundToQuantum(a, 2 ** -133);
  else {
    let e = Math.floor(Math.log2(a));
    if (2 ** e > a) e--;
    if (2 ** (e + 1) <= a) e++;
    v = roundToQuantum(a, 2 ** (e - 7));
  }
  if (v >= 2 ** 128) v = Infinity;
  return x < 0 || Object.is(x, -0) ? -v : v;
}

const u32 = new Uint32Array(1);
const f32 = new Float32Array(u32.buffer);
function bitsToF32(b: number): number {
  u32[0] = b >>> 0;
  return f32[0]!;
}
function f32ToBits(x: number): number {
  f32[0] = x;
  return u32[0]!;
}

test('f16ToF32 matches an independent decoder on all 65536 patterns', () => {
  for (let h = 0; h < 65536; h++) {
    const got = f16ToF32(h);
    const want = refF16(h);
    if (Number.isNaN(want)) assert.ok(Number.isNaN(got), `h=${h}`);
    else assert.ok(Object.is(got, want), `h=${h.toString(16)}: ${got} != ${want}`);
  }
});

test('f32ToF16 round-trips every non-NaN f16 value and keeps NaN a NaN', () => {
  for (let h = 0; h < 65536; h++) {
    const v = f16ToF32(h);
    if (Number.isNaN(v)) {
      assert.ok(Number.isNaN(f16ToF32(f32ToF16(v))), `h=${h}`);
      continue;
    }
    assert.equal(f32ToF16(v), h, `h=${h.toString(16)}`);
  }
});

test('f32ToF16 rounds to nearest even: at, just above and just below every midpoint', () => {
  const probes: number[] = [];
  for (let h = 0; h < 0x7c00; h++) {
    const lo = f16ToF32(h);
    const hi = h + 1 < 0x7c00 ? f16ToF32(h + 1) : 65536; // the last midpoint is 65520
    const mid = (lo + hi) / 2; // exact in f32 (12 significant bits)
    const mb = f32ToBits(mid);
    probes.push(mid, bitsToF32(mb + 1), bitsToF32(mb - 1), lo);
  }
  probes.push(1e-30, 3e38, 2 ** -25, 2 ** -26, 65504, 65519.99, 65520, 1e6);
  for (const p of probes) {
    for (const x of [p, -p]) {
      const got = f16ToF32(f32ToF16(x));
      const want = refToF16Value(Math.fround(x));
      assert.ok(Object.is(got, want), `x=${x}: ${got} != ${want}`);
    }
  }
  assert.equal(f32ToF16(Number.NaN) & 0x7c00, 0x7c00);
  assert.equal(f32ToF16(Infinity), 0x7c00);
  assert.equal(f32ToF16(-Infinity), 0xfc00);
});

test('bf16ToF32 matches an independent decoder on all 65536 patterns', () => {
  for (let h = 0; h < 65536; h++) {
    const got = bf16ToF32(h);
    const want = refBf16(h);
    if (Number.isNaN(want)) assert.ok(Number.isNaN(got), `h=${h}`);
    else assert.ok(Object.is(got, want), `h=${h.toString(16)}: ${got} != ${want}`);
  }
});

test('f32ToBf16: round trip of every bf16 value, ties to even at every midpoint, NaN stays NaN', () => {
  for (let h = 0; h < 65536; h++) {
    const v = bf16ToF32(h);
    if (Number.isNaN(v)) {
      assert.ok(Number.isNaN(bf16ToF32(f32ToBf16(v))), `h=${h}`);
      continue;
    }
    assert.equal(f32ToBf16(v), h, `h=${h.toString(16)}`);
    if ((h & 0x7fff) >= 0x7f80) continue;
    // the midpoint to the next pattern of the same sign, and its f32 neighbours
    const mb = ((h << 16) | 0x8000) >>> 0;
    for (const b of [mb, mb + 1, mb - 1]) {
      const x = bitsToF32(b);
      const got = bf16ToF32(f32ToBf16(x));
      const want = refToBf16Value(x);
      assert.ok(Object.is(got, want), `bits=${b.toString(16)}: ${got} != ${want}`);
    }
  }
});
