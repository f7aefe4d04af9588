// The Q8_0 KV cache on the WASM backend against the JS reference, for the portable and the
// relaxed build at 1 and 2 threads: quantizeRows is byte-exact, attention over Q8_0 K/V matches
// (GQA, pos0 / prefill and decode, windows, strides, element offsets of q/out and byte offsets
// of the caches), and bad arguments are typed errors.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ShapeError, UnsupportedError } from '../../errors.js';
import { GgmlType } from '../../tensor/dtype.js';
import type { AttentionParams, Backend } from '../backend.js';
import { Rng } from '../conformance/random.js';
import { JsBackend } from '../js/index.js';
import type { WasmBackend } from './backend.js';
import { createWasmBackend } from './setup-node.js';

const CONFIGS: { build: 'simd' | 'relaxed'; threads: number }[] = [
  { build: 'simd', threads: 1 },
  { build: 'simd', threads: 2 },
  { build: 'relaxed', threads: 1 },
  { build: 'relaxed', threads: 2 },
];

const ref = new JsBackend();

/** Quantizes caches kf/vf (rows of kvDim) on `be`, runs Q8_0 attention, returns out and K bytes. */
function runQ8(
  be: Backend,
  q: Float32Array,
  kf: Float32Array,
  vf: Float32Array,
  kvDim: number,
  rowsOff: number,
  outLen: number,
  p: AttentionParams,
): { out: Float32Array; kBytes: Uint8Array; vBytes: Uint8Array } {
  const rows = kf.length / kvDim;
  const rb = (kvDim / 32) * 34;
  const qb = be.alloc(q.length * 4);
  be.write(qb, q);
  const kb = be.alloc(kf.length * 4);
  be.write(kb, kf);
  const vb = be.alloc(vf.length * 4);
  be.write(vb, vf);
  const k8 = be.alloc(rows * rb + 6);
  const v8 = be.alloc(rows * rb + 6);
  // Rows written in two calls, at a source row offset, as the cache does for successive spans.
  const half = rows >> 1;
  be.quantizeRows(k8, kb, half, kvDim, GgmlType.Q8_0, 0, 0);
  be.quantizeRows(k8, kb, rows - half, kvDim, GgmlType.Q8_0, half * rb, half * kvDim);
  be.quantizeRows(v8, vb, rows, kvDim, GgmlType.Q8_0);
  const out = be.alloc(outLen * 4);
  be.fill(out, 7, outLen);
  be.attention(out, qb, k8, v8, { ...p, kvType: GgmlType.Q8_0, offK: rowsOff * rb, offV: rowsOff * rb });
  const res = new Float32Array(outLen);
  be.read(out, res);
  const kBytes = new Uint8Array(rows * rb);
  be.read(k8, kBytes);
  const vBytes = new Uint8Array(rows * rb);
  be.read(v8, vBytes);
  for (const b of [qb, kb, vb, k8, v8, out]) be.free(b);
  return { out: res, kBytes, vBytes };
}

for (const cfg of CONFIGS) {
  describe(`Q8_0 KV cache: wasm ${cfg.build} × ${cfg.threads} thread(s) vs js`, () => {
    let be: WasmBackend;
    before(async () => {
      be = await createWasmBackend(cfg);
    });
    after(() => be.dispose());

    test('quantizeRows and attention over Q8_0 K/V', () => {
      const rng = new Rng(60);
      for (const [tokens, nHead, nKvHead, hd, pos0, window] of [
        [1, 4, 4, 32, 9, 0],
        [5, 8, 2, 64, 3, 0],
        [4, 6, 3, 32, 10, 4],
        [1, 6, 3, 64, 40, 0],
        [1, 10, 5, 32, 37, 9],
        [33, 4, 2, 128, 0, 0],
        [1, 2, 1, 96, 300, 0],
      ] as const) {
        const kvDim = nKvHead * hd;
        const qDim = nHead * hd;
        const rowsOff = 2;
        const cap = pos0 + tokens + 1;
        const qStride = qDim + 4;
        const q = rng.normals(3 + tokens * qStride, 2);
        const kf = rng.normals((rowsOff + cap) * kvDim, 1.5);
        const vf = rng.normals((rowsOff + cap) * kvDim);
        const outLen = 1 + tokens * qDim;
        const p: AttentionParams = {
          tokens,
          nHead,
          nKvHead,
          headDim: hd,
          pos0,
          scale: 1 / Math.sqrt(hd),
          offQ: 3,
          offOut: 1,
          qStride,
          ...(window === 0 ? {} : { window }),
        };
        const want = runQ8(ref, q, kf, vf, kvDim, rowsOff, outLen, p);
        const got = runQ8(be, q, kf, vf, kvDim, rowsOff, outLen, p);
        const name = `${tokens}/${nHead}/${nKvHead}/${hd} pos0 ${pos0}`;
        assert.deepEqual(got.kBytes, want.kBytes, `${name}: K bytes`);
        assert.deepEqual(got.vBytes, want.vBytes, `${name}: V bytes`);
        assert.equal(got.out[0], 7, `${name}: out[0] before offOut untouched`);
        let worst = 0;
        for (let i = 0; i < outLen; i++) {
          const err = Math.abs(got.out[i]! - want.out[i]!) - 2e-4 * Math.abs(want.out[i]!);
          if (!(err <= 2e-5)) worst = Math.max(worst, Number.isNaN(err) ? Infinity : err);
        }
        assert.equal(worst, 0, `${name}: out differs by ${worst}`);
      }
    });

    test('typed errors', () => {
      const q = be.alloc(48 * 4);
      const out = be.alloc(48 * 4);
      const c = be.alloc(4 * 34);
      const p = { tokens: 1, nHead: 1, nKvHead: 1, headDim: 48, pos0: 0, scale: 1, kvType: GgmlType.Q8_0 };
      assert.throws(() => be.attention(out, q, c, c, p), UnsupportedError);
      assert.throws(() => be.attention(out, q, c, c, { ...p, headDim: 32, pos0: 4 }), ShapeError);
      assert.throws(
        () => be.attention(out, q, c, c, { ...p, headDim: 32, kvType: GgmlType.Q4_0 }),
        UnsupportedError,
      );
      assert.throws(() => be.quantizeRows(c, q, 1, 48, GgmlType.Q8_0), ShapeError);
      assert.throws(() => be.quantizeRows(c, q, 1, 32, GgmlType.Q8_0, 4 * 34 - 10), ShapeError);
      assert.throws(() => be.quantizeRows(c, q, 1, 32, GgmlType.Q4_0), UnsupportedError);
      for (const b of [q, out, c]) be.free(b);
    });
  });
}
