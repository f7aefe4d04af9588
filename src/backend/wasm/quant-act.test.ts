// The WASM activation quantizers (kernels/quant_act.ts) against the JS reference
// quantizeActivationRow: Q8_0 and Q8_K values must be identical (quants, f16/f32 scales, block
// sums), including the rounding ties (nearest-even for both: ggml's x86 Q8_0 path and Q8_K's
// reference), all-zero blocks and
// ±max ties (ggml keeps the first element of largest magnitude).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { f16ToF32, quantizeActivationRow } from '../../quant/index.js';
import { GgmlType, rowBytes } from '../../tensor/dtype.js';
import type { WasmContextImpl } from './context.js';
import { type QuantBuild, quantBuilds, quantTestContext } from './quant-testing-node.js';

function rows(m: number, K: number, seed: number): Float32Array {
  let s = seed;
  const r = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const x = new Float32Array(m * K);
  for (let i = 0; i < x.length; i++) x[i] = (r() - 0.5) * 10;
  // row 0: ties and special blocks
  for (let i = 0; i < 32 && i < K; i++) x[i] = i === 0 ? 127 : (i % 2 ? 1 : -1) * (i + 0.5); // Q8_0 d = 1: x.5 ties
  for (let i = 32; i < 64 && i < K; i++) x[i] = 0; // all-zero Q8_0 block
  if (K >= 512) {
    for (let i = 256; i < 512; i++) x[i] = ((i % 5) - 2) * 0.5; // Q8_K: ±max ties, nearest-even ties
    x[256] = -1;
    x[300] = 1;
  }
  return x;
}

for (const build of quantBuilds()) {
  describe(`activation quantization (${build})`, () => {
    let ctx: WasmContextImpl;
    before(async () => {
      ctx = await quantTestContext(build as QuantBuild, 2);
    });
    after(() => ctx.dispose());

    for (const perm of [0, 1]) {
      test(`Q8_0 planes equal quantizeActivationRow(Q8_0)${perm ? ', in the g4t order' : ''}`, () => {
        const m = 5;
        const K = 320;
        const nb = K / 32;
        const x = rows(m, K, 7);
        const xp = ctx.alloc(x.byteLength);
        const q8 = ctx.alloc(m * K);
        const q16 = ctx.alloc(m * K * 2);
        const d = ctx.alloc(m * nb * 4);
        const s = ctx.alloc(m * nb * 4);
        ctx.f32().set(x, xp / 4);
        ctx.parallel('quant_act_q8_0', [xp, K, q8, q16, d, s, perm], m, 2);
        const ref = new Uint8Array(rowBytes(GgmlType.Q8_0, K)!);
        const i8 = new Int8Array(ctx.u8().buffer);
        const i16 = new Int16Array(ctx.u8().buffer);
        for (let t = 0; t < m; t++) {
          quantizeActivationRow(GgmlType.Q8_0, x, t * K, ref, 0, K);
          for (let b = 0; b < nb; b++) {
            const o = b * 34;
            assert.equal(
              ctx.f32()[(d >> 2) + t * nb + b],
              f16ToF32(ref[o]! | (ref[o + 1]! << 8)),
              `d[${t}][${b}]`,
            );
            let sum = 0;
            for (let j = 0; j < 32; j++) {
              const want = (ref[o + 2 + j]! << 24) >> 24;
              // perm (full groups of 4 blocks): value j of block b at 16k + p of its group with
              // j = 4k + (p & 3), b % 4 = p >> 2
              const g = b < (nb & ~3);
              const at = perm && g ? (b & ~3) * 32 + 16 * (j >> 2) + 4 * (b & 3) + (j & 3) : b * 32 + j;
              const k = t * K + at;
              assert.equal(i8[q8 + k], want, `q8[${t}][${b * 32 + j}]`);
              assert.equal(i16[(q16 >> 1) + k], want, `q16[${t}][${b * 32 + j}]`);
              sum += want;
            }
            assert.equal(ctx.i32()[(s >> 2) + t * nb + b], (-8 * sum) | 0, `s[${t}][${b}]`);
          }
        }
        for (const p of [xp, q8, q16, d, s]) ctx.free(p);
      });
    }

    for (const perm of [0, 1, 2]) {
      const order = ['', ', in the q4k-t order', ', in the q6k-t order'][perm];
      test(`Q8_K planes equal quantizeActivationRow(Q8_K)${order}`, () => {
        const m = 3;
        const K = 768;
        const nsb = K / 256;
        const x = rows(m, K, 11);
        const xp = ctx.alloc(x.byteLength);
        const q8 = ctx.alloc(m * K);
        const q16 = ctx.alloc(m * K * 2);
        const d = ctx.alloc(m * nsb * 4);
        const b16 = ctx.alloc(m * (K / 16) * 2);
        const b32 = ctx.alloc(m * (K / 32) * 2);
        ctx.f32().set(x, xp / 4);
        ctx.parallel('quant_act_q8_k', [xp, K, q8, q16, d, b16, b32, perm], m, 1);
        const ref = new Uint8Array(rowBytes(GgmlType.Q8_K, K)!);
        const dv = new DataView(ref.buffer);
        const i8 = new Int8Array(ctx.u8().buffer);
        const i16 = new Int16Array(ctx.u8().buffer);
        for (let t = 0; t < m; t++) {
          quantizeActivationRow(GgmlType.Q8_K, x, t * K, ref, 0, K);
          for (let sb = 0; sb < nsb; sb++) {
            const o = sb * 292;
            assert.equal(ctx.f32()[(d >> 2) + t * nsb + sb], dv.getFloat32(o, true), `d[${t}][${sb}]`);
            for (let j = 0; j < 256; j++) {
              const want = dv.getInt8(o + 4 + j);
              // perm 1: value j sits at position 16k + p with j = 32(p >> 1) + 2k + (p & 1);
              // perm 2: at 16(8H + k) + p with j = 128H + 16(p >> 1) + 2k + (p & 1)
              const at =
                perm === 1
                  ? 16 * ((j & 31) >> 1) + 2 * (j >> 5) + (j & 1)
                  : perm === 2
                    ? 16 * (8 * (j >> 7) + ((j & 15) >> 1)) + 2 * ((j >> 4) & 7) + (j & 1)
                    : j;
              const k = t * K + sb * 256 + at;
              assert.equal(i8[q8 + k], want, `q8[${t}][${sb * 256 + j}]`);
              assert.equal(i16[(q16 >> 1) + k], want, `q16[${t}][${sb * 256 + j}]`);
            }
            for (let j = 0; j < 16; j++) {
              const want = dv.getInt16(o + 260 + 2 * j, true);
              assert.equal(i16[(b16 >> 1) + t * (K / 16) + sb * 16 + j], want, `bsums[${t}][${sb}][${j}]`);
            }
            for (let j = 0; j < 8; j++) {
              const want = dv.getInt16(o + 260 + 4 * j, true) + dv.getInt16(o + 262 + 4 * j, true);
              assert.equal(i16[(b32 >> 1) + t * (K / 32) + sb * 8 + j], want, `bsum32[${t}][${sb}][${j}]`);
            }
          }
        }
        for (const p of [xp, q8, q16, d, b16, b32]) ctx.free(p);
      });
    }
  });
}
