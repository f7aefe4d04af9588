// The load-time layouts: the WASM repack kernels against their plain references (packG4,
// packQ4KT), and unpackRow as their inverse; g4 on rows with and without a tail of GGUF blocks.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GgmlType, rowBytes, typeName } from '../../tensor/dtype.js';
import type { WasmContextImpl } from './context.js';
import { quantBuilds, quantTestContext, rng } from './quant-testing-node.js';
import {
  LAYOUT_G4T,
  LAYOUT_Q4KT,
  LAYOUT_Q6KT,
  packG4,
  packG4T,
  packQ4KT,
  packQ6KT,
  unpackRow,
  unpackRowG4,
} from './repack.js';

for (const build of quantBuilds()) {
  describe(`g4 repacking (${build}, 2 threads)`, () => {
    let ctx: WasmContextImpl;
    before(async () => {
      ctx = await quantTestContext(build, 2);
    });
    after(() => ctx.dispose());

    for (const type of [GgmlType.Q8_0, GgmlType.Q4_0]) {
      for (const blocks of [1, 3, 4, 5, 8, 19]) {
        test(`${typeName(type)}: ${blocks} blocks per row`, () => {
          const cols = blocks * 32;
          const rows = 7;
          const rb = rowBytes(type, cols)!;
          const r = rng(blocks * 31 + type);
          const file = new Uint8Array(rows * rb);
          for (let i = 0; i < file.length; i++) file[i] = Math.floor(r() * 256);
          const want = file.slice();
          packG4(type, want, 0, rows, cols);
          const p = ctx.alloc(file.length);
          ctx.u8().set(file, p);
          ctx.parallel('repack_g4', [p, blocks, rb / blocks], rows, 2);
          assert.deepEqual(ctx.u8().slice(p, p + file.length), want);
          const back = new Uint8Array(rb);
          for (let i = 0; i < rows; i++) {
            unpackRowG4(type, want, i * rb, cols, back, 0);
            assert.deepEqual(back, file.subarray(i * rb, (i + 1) * rb));
          }
          if (blocks >= 4) {
            // Group 0 really moved: its 4 scales lead the row.
            for (let j = 0; j < 4; j++) assert.equal(want[2 * j], file[j * (rb / blocks)]);
          }
          ctx.free(p);
        });
      }
    }

    for (const blocks of [1, 3, 4, 5, 8, 19]) {
      test(`Q4_0: g4t, ${blocks} blocks per row`, () => {
        const cols = blocks * 32;
        const rows = 7;
        const rb = blocks * 18;
        const r = rng(blocks * 13 + 1);
        const file = new Uint8Array(rows * rb);
        for (let i = 0; i < file.length; i++) file[i] = Math.floor(r() * 256);
        const want = file.slice();
        packG4T(want, 0, rows, cols);
        const p = ctx.alloc(file.length);
        ctx.u8().set(file, p);
        ctx.parallel('repack_g4t', [p, blocks], rows, 2);
        assert.deepEqual(ctx.u8().slice(p, p + file.length), want);
        const back = new Uint8Array(rb);
        for (let i = 0; i < rows; i++) {
          unpackRow(LAYOUT_G4T, GgmlType.Q4_0, want, i * rb, cols, back, 0);
          assert.deepEqual(back, file.subarray(i * rb, (i + 1) * rb));
        }
        for (let i = 0; blocks >= 4 && i < rows; i++) {
          const o = i * rb;
          // the group's scales lead; vector 0 byte 5 = block 1 values 1 (low nibble: GGUF low
          // nibble of qs[1]) and 5 (high: GGUF low nibble of qs[5]); vector 3 byte 14 = block 3
          // values 26 and 30 (GGUF high nibbles of qs[10] and qs[14])
          assert.equal(want[o + 2], file[o + 18]);
          assert.equal(want[o + 8 + 5], (file[o + 18 + 2 + 1]! & 15) | ((file[o + 18 + 2 + 5]! & 15) << 4));
          assert.equal(
            want[o + 8 + 48 + 14],
            (file[o + 54 + 2 + 10]! >> 4) | (file[o + 54 + 2 + 14]! & 0xf0),
          );
        }
        ctx.free(p);
      });
    }

    for (const nsb of [1, 2, 5]) {
      test(`Q4_K: q4k-t, ${nsb} super-blocks per row`, () => {
        const cols = nsb * 256;
        const rows = 5;
        const rb = nsb * 144;
        const r = rng(nsb * 17 + 3);
        const file = new Uint8Array(rows * rb);
        for (let i = 0; i < file.length; i++) file[i] = Math.floor(r() * 256);
        const want = file.slice();
        packQ4KT(want, 0, rows, cols);
        const p = ctx.alloc(file.length);
        ctx.u8().set(file, p);
        ctx.parallel('repack_q4k', [p, nsb], rows, 2);
        assert.deepEqual(ctx.u8().slice(p, p + file.length), want);
        const back = new Uint8Array(rb);
        for (let i = 0; i < rows; i++) {
          unpackRow(LAYOUT_Q4KT, GgmlType.Q4_K, want, i * rb, cols, back, 0);
          assert.deepEqual(back, file.subarray(i * rb, (i + 1) * rb));
        }
        for (let s = 0; s < rows * nsb; s++) {
          const o = s * 144;
          // d, dmin and the scales stay; the first quant byte is now elements 0 of sub-blocks
          // 0 (low nibble, GGUF: low nibble of qs[0]) and 2 of sub-block 0 (GGUF: qs[2])
          assert.deepEqual(want.subarray(o, o + 16), file.subarray(o, o + 16));
          assert.equal(want[o + 16], (file[o + 16]! & 15) | ((file[o + 18]! & 15) << 4));
          // byte 3 of vector 1: sub-block 1 (GGUF high nibbles of qs[0..32)), elements 5 and 7
          assert.equal(want[o + 16 + 16 + 3], (file[o + 16 + 5]! >> 4) | (file[o + 16 + 7]! & 0xf0));
        }
        ctx.free(p);
      });
    }

    for (const nsb of [1, 3]) {
      test(`Q6_K: q6k-t, ${nsb} super-blocks per row`, () => {
        const cols = nsb * 256;
        const rows = 4;
        const rb = nsb * 210;
        const r = rng(nsb * 7 + 5);
        const file = new Uint8Array(rows * rb);
        for (let i = 0; i < file.length; i++) file[i] = Math.floor(r() * 256);
        const want = file.slice();
        packQ6KT(want, 0, rows, cols);
        const p = ctx.alloc(file.length);
        ctx.u8().set(file, p);
        ctx.parallel('repack_q6k', [p, nsb], rows, 2);
        assert.deepEqual(ctx.u8().slice(p, p + file.length), want);
        const back = new Uint8Array(rb);
        for (let i = 0; i < rows; i++) {
          unpackRow(LAYOUT_Q6KT, GgmlType.Q6_K, want, i * rb, cols, back, 0);
          assert.deepEqual(back, file.subarray(i * rb, (i + 1) * rb));
        }
        for (let s = 0; s < rows * nsb; s++) {
          const o = s * 210;
          // scales and d stay; vector 0 byte 3 (low nibble) = value 16 + 1 = 17 of half 0: GGUF
          // low nibble of ql[17], high bits = bits 0..1 of qh[17]; its high 2 bits sit in qh
          // vector 0 byte 3, bits 0..1
          assert.deepEqual(want.subarray(o + 192, o + 210), file.subarray(o + 192, o + 210));
          assert.equal(want[o + 3]! & 15, file[o + 17]! & 15);
          assert.equal(want[o + 128 + 3]! & 3, file[o + 128 + 17]! & 3);
        }
        ctx.free(p);
      });
    }
  });
}
