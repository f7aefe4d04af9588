// The g4 layout: the WASM repack kernel against the plain packG4, and unpackRowG4 as its inverse,
// on rows with and without a tail of GGUF blocks.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GgmlType, rowBytes, typeName } from '../../tensor/dtype.js';
import type { WasmContextImpl } from './context.js';
import { quantBuilds, quantTestContext, rng } from './quant-testing-node.js';
import { packG4, unpackRowG4 } from './repack.js';

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
  });
}
