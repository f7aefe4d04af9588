// The WASM backend against the JS reference backend, op by op, for the portable and the relaxed
// build at 1 and 2 threads: odd shapes, strides, offsets, batches, every weight float type.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { f32ToBf16, f32ToF16 } from '../../quant/index.js';
import { GgmlType } from '../../tensor/dtype.js';
import type { Backend, Buf } from '../backend.js';
import { Rng } from '../conformance/random.js';
import { randomWeight } from '../conformance/weights.js';
import { JsBackend } from '../js/index.js';
import type { WasmBackend } from './backend.js';
import { quantLinearTypes } from './quantized.js';
import { createWasmBackend } from './setup-node.js';

type Inputs = Record<string, Float32Array>;
/** Runs an op on a backend: `b` maps input/output names to buffers. */
type Op = (be: Backend, b: Record<string, Buf>) => void;

function run(
  be: Backend,
  inputs: Inputs,
  outputs: Record<string, number>,
  op: Op,
): Record<string, Float32Array> {
  const bufs: Record<string, Buf> = {};
  for (const [k, v] of Object.entries(inputs)) {
    bufs[k] = be.alloc(v.length * 4);
    be.write(bufs[k], v);
  }
  for (const [k, n] of Object.entries(outputs)) {
    if (bufs[k] === undefined) {
      bufs[k] = be.alloc(n * 4);
      be.fill(bufs[k], 0, n);
    }
  }
  op(be, bufs);
  const res: Record<string, Float32Array> = {};
  for (const [k, n] of Object.entries(outputs)) {
    res[k] = new Float32Array(n);
    be.read(bufs[k]!, res[k]);
  }
  for (const b of Object.values(bufs)) be.free(b);
  return res;
}

function close(name: string, got: Float32Array, want: Float32Array, rtol = 2e-4, atol = 2e-5): void {
  assert.equal(got.length, want.length, `${name}: length`);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i]! - want[i]!) - rtol * Math.abs(want[i]!);
    if (!(err <= atol) && (err > worst || Number.isNaN(err))) {
      worst = err;
      at = i;
      if (Number.isNaN(err)) break;
    }
  }
  assert.ok(at < 0, `${name}: element ${at} is ${got[at]}, reference ${want[at]}`);
}

const ref = new JsBackend();

function compare(
  wasm: Backend,
  name: string,
  inputs: Inputs,
  outputs: Record<string, number>,
  op: Op,
  rtol?: number,
  atol?: number,
): void {
  const want = run(ref, inputs, outputs, op);
  const got = run(wasm, inputs, outputs, op);
  for (const k of Object.keys(outputs)) close(`${name}.${k}`, got[k]!, want[k]!, rtol, atol);
}

function weightBytes(type: GgmlType, v: Float32Array): Uint8Array {
  if (type === GgmlType.F32) return new Uint8Array(v.buffer.slice(0));
  const h = new Uint16Array(v.length);
  for (let i = 0; i < v.length; i++) h[i] = type === GgmlType.F16 ? f32ToF16(v[i]!) : f32ToBf16(v[i]!);
  return new Uint8Array(h.buffer);
}

const CONFIGS: { build: 'simd' | 'relaxed'; threads: number }[] = [
  { build: 'simd', threads: 1 },
  { build: 'simd', threads: 2 },
  { build: 'relaxed', threads: 1 },
  { build: 'relaxed', threads: 2 },
];

for (const cfg of CONFIGS) {
  describe(`wasm ${cfg.build} × ${cfg.threads} thread(s) vs js`, () => {
    let be: WasmBackend;
    before(async () => {
      be = await createWasmBackend(cfg);
    });
    after(() => be.dispose());

    test('matmul: shapes, transposes, alpha, accumulate, batch, strides, offsets', () => {
      const rng = new Rng(1);
      const cases: [number, number, number, boolean, boolean][] = [
        [1, 1, 1, false, false],
        [3, 5, 7, false, false],
        [17, 9, 300, true, false],
        [64, 40, 33, false, true],
        [130, 70, 257, true, true],
        [65, 129, 8, false, false],
        [4, 8, 0, false, false],
      ];
      for (const [m, n, k, transA, transB] of cases) {
        const a = rng.uniform(m * k + 3);
        const b = rng.uniform(k * n + 5);
        const o = rng.uniform(m * n + 2);
        for (const accumulate of [false, true]) {
          compare(
            be,
            `matmul ${m}x${n}x${k} tA=${transA} tB=${transB} acc=${accumulate}`,
            { a, b, out: o },
            { out: o.length },
            (x, q) =>
              x.matmul(q.out!, q.a!, q.b!, {
                m,
                n,
                k,
                transA,
                transB,
                accumulate,
                alpha: 0.75,
                offA: 3,
                offB: 5,
                offOut: 2,
              }),
          );
        }
      }
      // Batched with padded leading dimensions and strides.
      const [m, n, k, batch] = [6, 10, 12, 3];
      const lda = 15;
      const ldb = 13;
      const ldo = 11;
      const a = rng.uniform(batch * 100);
      const b = rng.uniform(batch * 200);
      const o = rng.uniform(batch * 80);
      compare(be, 'matmul batched', { a, b, out: o }, { out: o.length }, (x, q) =>
        x.matmul(q.out!, q.a!, q.b!, {
          m,
          n,
          k,
          batch,
          lda,
          ldb,
          ldo,
          strideA: 100,
          strideB: 200,
          strideOut: 80,
          transB: false,
        }),
      );
    });

    test('matmul: large enough to split over threads', () => {
      const rng = new Rng(2);
      const [m, n, k] = [200, 300, 260];
      const a = rng.uniform(m * k);
      const b = rng.uniform(k * n);
      compare(
        be,
        'matmul big',
        { a, b },
        { out: m * n },
        (x, q) => x.matmul(q.out!, q.a!, q.b!, { m, n, k }),
        1e-4,
        1e-4,
      );
    });

    test('matmul: packed B beyond the scratch budget (column slabs, batch groups)', () => {
      const rng = new Rng(13);
      // k·n·4 = 67 MB > 64 MiB: column slabs.
      const [m, n, k] = [3, 4100, 4100];
      const a = rng.uniform(m * k);
      const b = rng.uniform(k * n);
      compare(be, 'matmul slabs', { a, b }, { out: m * n }, (x, q) =>
        x.matmul(q.out!, q.a!, q.b!, { m, n, k, transB: true }),
      );
      // 3 × 2048 × 3000 × 4 = 74 MB: batch groups.
      const [bm, bn, bk, batch] = [2, 3000, 2048, 3];
      const ba = rng.uniform(batch * bm * bk);
      const bb = rng.uniform(batch * bk * bn);
      compare(be, 'matmul batch groups', { a: ba, b: bb }, { out: batch * bm * bn }, (x, q) =>
        x.matmul(q.out!, q.a!, q.b!, { m: bm, n: bn, k: bk, batch }),
      );
    });

    for (const type of [GgmlType.F32, GgmlType.F16, GgmlType.BF16]) {
      test(`linear and embedding: ${GgmlType[type]} weights`, () => {
        const rng = new Rng(3 + type);
        for (const [rows, cols] of [
          [37, 45],
          [64, 128],
          [5, 3],
        ] as const) {
          const wb = weightBytes(type, rng.uniform(rows * cols));
          for (const m of [1, 3, 5, 19]) {
            const x = rng.uniform(m * cols + 4);
            const o = rng.uniform(m * rows + 1);
            for (const acc of [false, true]) {
              compare(
                be,
                `linear ${GgmlType[type]} m=${m} [${rows},${cols}] acc=${acc}`,
                { x, out: o },
                { out: o.length },
                (be2, q) => {
                  const w = be2.uploadWeight(type, rows, cols, wb);
                  be2.linear(q.out!, q.x!, w, m, acc, 4, 1);
                  be2.freeWeight(w);
                },
              );
            }
          }
          const ids = new Int32Array([0, rows - 1, 2 % rows, 1 % rows]);
          compare(be, `embedding ${GgmlType[type]}`, {}, { out: ids.length * cols }, (be2, q) => {
            const w = be2.uploadWeight(type, rows, cols, wb);
            be2.embedding(q.out!, w, ids, ids.length);
            be2.freeWeight(w);
          });
        }
      });
    }

    test('quantized weights through the backend: linear and embedding', () => {
      const rng = new Rng(12);
      const [rows, cols] = [9, 512];
      for (const type of quantLinearTypes) {
        const wb = randomWeight(type, rows, cols, rng);
        for (const m of [1, 6]) {
          const x = rng.normals(m * cols);
          compare(
            be,
            `linear ${GgmlType[type]} m=${m}`,
            { x },
            { out: m * rows },
            (e, q) => {
              const w = e.uploadWeight(type, rows, cols, wb);
              e.linear(q.out!, q.x!, w, m);
              e.freeWeight(w);
            },
            1e-4,
            1e-4,
          );
        }
        const ids = new Int32Array([8, 0, 3]);
        compare(be, `embedding ${GgmlType[type]}`, {}, { out: 3 * cols }, (e, q) => {
          const w = e.uploadWeight(type, rows, cols, wb);
          e.embedding(q.out!, w, ids, 3);
          e.freeWeight(w);
        });
      }
    });

    test('norms and softmax', () => {
      const rng = new Rng(5);
      for (const [rows, dim] of [
        [1, 7],
        [9, 64],
        [33, 130],
      ] as const) {
        const x = rng.normals(rows * dim, 2);
        const w = rng.uniform(dim);
        const b = rng.uniform(dim);
        compare(be, 'rmsnorm', { x, w }, { out: rows * dim }, (e, q) =>
          e.rmsnorm(q.out!, q.x!, q.w!, rows, dim, 1e-5),
        );
        compare(be, 'rmsnorm no w', { x }, { out: rows * dim }, (e, q) =>
          e.rmsnorm(q.out!, q.x!, null, rows, dim, 1e-6),
        );
        compare(be, 'layernorm', { x, w, b }, { out: rows * dim }, (e, q) =>
          e.layernorm(q.out!, q.x!, q.w!, q.b!, rows, dim, 1e-5),
        );
        compare(be, 'layernorm no w/b', { x }, { out: rows * dim }, (e, q) =>
          e.layernorm(q.out!, q.x!, null, null, rows, dim, 1e-5),
        );
        compare(be, 'softmax', { x }, { out: rows * dim }, (e, q) => e.softmax(q.out!, q.x!, rows, dim, 0.3));
        compare(be, 'softmax causal', { x }, { out: rows * dim }, (e, q) =>
          e.softmax(q.out!, q.x!, rows, dim, 1, 2),
        );
      }
    });

    test('element-wise ops', () => {
      const rng = new Rng(6);
      for (const n of [1, 7, 40000]) {
        const a = rng.normals(n, 3);
        const b = rng.normals(n, 3);
        compare(be, 'add', { a, b }, { out: n }, (e, q) => e.add(q.out!, q.a!, q.b!, n));
        compare(be, 'mul', { a, b }, { out: n }, (e, q) => e.mul(q.out!, q.a!, q.b!, n));
        compare(be, 'scale', { a }, { out: n }, (e, q) => e.scale(q.out!, q.a!, -1.7, n));
        compare(be, 'silu', { a }, { out: n }, (e, q) => e.silu(q.out!, q.a!, n));
        compare(be, 'gelu', { a }, { out: n }, (e, q) => e.gelu(q.out!, q.a!, n));
        compare(be, 'swiglu', { a, b }, { out: n }, (e, q) => e.swiglu(q.out!, q.a!, q.b!, n));
        compare(be, 'fill/copy', { a }, { out: n }, (e, q) => {
          e.fill(q.out!, 2.5, n);
          e.copy(q.out!, q.a!, Math.floor(n / 2), n - Math.floor(n / 2), 0);
        });
      }
      const [rows, cols] = [5, 33];
      const x = rng.normals(rows * cols);
      const bias = rng.normals(cols);
      compare(be, 'addBias', { x, bias }, { out: rows * cols }, (e, q) =>
        e.addBias(q.out!, q.x!, q.bias!, rows, cols),
      );
    });

    test('rope: norm/neox, partial, scaling, freq factors, inverse, strides', () => {
      const rng = new Rng(7);
      const [tokens, heads, hd] = [3, 4, 16];
      const x = rng.normals(tokens * (heads * hd + 8) + 3);
      const positions = new Int32Array([5, 0, 17]);
      for (const neox of [false, true]) {
        for (const ropeDim of [16, 8]) {
          const freqFactors = rng.uniform(ropeDim / 2, 1, 4);
          compare(be, `rope neox=${neox} rd=${ropeDim}`, { x }, { x: x.length }, (e, q) =>
            e.rope(q.x!, {
              tokens,
              heads,
              headDim: hd,
              ropeDim,
              positions,
              theta: 10000,
              neox,
              freqScale: 0.5,
              freqFactors,
              inverse: ropeDim === 8,
              rowStride: heads * hd + 8,
              off: 3,
            }),
          );
        }
      }
    });

    test('attention over a KV cache: GQA, pos0, window, strides, offsets', () => {
      const rng = new Rng(8);
      for (const [tokens, nHead, nKvHead, hd, pos0, window] of [
        [1, 4, 4, 16, 9, 0],
        [5, 8, 2, 12, 3, 0],
        [4, 6, 3, 20, 10, 4],
        [1, 6, 3, 20, 10, 0],
        [1, 10, 5, 16, 37, 9],
      ] as const) {
        const cap = pos0 + tokens + 2;
        const qStride = nHead * hd + 4;
        const q = rng.normals(tokens * qStride + 2);
        const k = rng.normals(cap * nKvHead * hd + 6);
        const v = rng.normals(cap * nKvHead * hd + 6);
        compare(
          be,
          `attention ${tokens}/${nHead}/${nKvHead}`,
          { q, k, v },
          { out: tokens * nHead * hd + 1 },
          (e, b) =>
            e.attention(b.out!, b.q!, b.k!, b.v!, {
              tokens,
              nHead,
              nKvHead,
              headDim: hd,
              pos0,
              scale: 1 / Math.sqrt(hd),
              offQ: 2,
              offOut: 1,
              qStride,
              offK: 6,
              offV: 6,
              window: window === 0 ? undefined : window,
            }),
        );
      }
    });

    test('losses, backward kernels, optimiser', () => {
      const rng = new Rng(9);
      const [rows, vocab] = [4, 37];
      const logits = rng.normals(rows * vocab, 2);
      const targets = new Int32Array([3, -1, 36, 0]);
      compare(be, 'crossEntropy', { logits }, { l: rows }, (e, q) =>
        e.crossEntropy(q.l!, q.logits!, targets, rows, vocab),
      );
      compare(be, 'crossEntropyBackward', { logits }, { d: rows * vocab }, (e, q) =>
        e.crossEntropyBackward(q.d!, q.logits!, targets, rows, vocab, 0.25),
      );
      {
        // Statistics kept by the forward pass give the backward's exact bits.
        const lb = be.alloc(rows * vocab * 4);
        be.write(lb, logits);
        const [ls, st, d0, d1] = [rows, 4 * rows, rows * vocab, rows * vocab].map((n) => be.alloc(n * 4));
        be.crossEntropy(ls!, lb, targets, rows, vocab, st);
        be.crossEntropyBackward(d0!, lb, targets, rows, vocab, 0.25);
        be.crossEntropyBackward(d1!, lb, targets, rows, vocab, 0.25, st);
        const [a, b] = [new Float32Array(rows * vocab), new Float32Array(rows * vocab)];
        be.read(d0!, a);
        be.read(d1!, b);
        assert.deepEqual(b, a);
        for (const x of [lb, ls!, st!, d0!, d1!]) be.free(x);
      }
      const dim = 24;
      const x = rng.normals(rows * dim);
      const dout = rng.normals(rows * dim);
      const w = rng.uniform(dim);
      compare(
        be,
        'rmsnormBackward',
        { x, dout, w, dw: rng.uniform(dim) },
        { dx: rows * dim, dw: dim },
        (e, q) => e.rmsnormBackward(q.dx!, q.dw!, q.dout!, q.x!, q.w!, rows, dim, 1e-5),
      );
      compare(
        be,
        'layernormBackward',
        { x, dout, w, dw: rng.uniform(dim), db: rng.uniform(dim) },
        { dx: rows * dim, dw: dim, db: dim },
        (e, q) => e.layernormBackward(q.dx!, q.dw!, q.db!, q.dout!, q.x!, q.w!, rows, dim, 1e-5),
      );
      const y = rng.uniform(rows * dim, 0, 0.1);
      compare(be, 'softmaxBackward', { dout, y }, { dx: rows * dim }, (e, q) =>
        e.softmaxBackward(q.dx!, q.dout!, q.y!, rows, dim, 0.5),
      );
      const n = rows * dim;
      compare(be, 'siluBackward', { dout, x }, { dx: n }, (e, q) => e.siluBackward(q.dx!, q.dout!, q.x!, n));
      compare(be, 'geluBackward', { dout, x }, { dx: n }, (e, q) => e.geluBackward(q.dx!, q.dout!, q.x!, n));
      compare(be, 'swigluBackward', { dout, x, y }, { dg: n, du: n }, (e, q) =>
        e.swigluBackward(q.dg!, q.du!, q.dout!, q.x!, q.y!, n),
      );
      const ids = new Int32Array([1, 0, 1]);
      compare(
        be,
        'embeddingBackward',
        { dt: rng.uniform(3 * dim), dout: rng.normals(3 * dim) },
        { dt: 3 * dim },
        (e, q) => e.embeddingBackward(q.dt!, q.dout!, ids, 3, dim),
      );
      const p = {
        n,
        lr: 1e-2,
        beta1: 0.9,
        beta2: 0.95,
        eps: 1e-8,
        weightDecay: 0.1,
        step: 3,
        gradScale: 0.5,
      };
      compare(
        be,
        'adamw',
        { w: x, g: dout, m: rng.uniform(n), v: rng.uniform(n, 0, 1) },
        { w: n, m: n, v: n },
        (e, q) => e.adamw(q.w!, q.g!, q.m!, q.v!, p),
        0,
        0,
      ); // bit-exact: the same f32 operations in the same order
      compare(
        be,
        'adamw (β1 ≥ 0.5 lerp branch, 99 elements)',
        { w: rng.normals(99), g: rng.normals(99), m: rng.uniform(99), v: rng.uniform(99, 0, 1) },
        { w: 99, m: 99, v: 99 },
        (e, q) => e.adamw(q.w!, q.g!, q.m!, q.v!, { ...p, n: 99, beta1: 0.3, step: 1 }),
        0,
        0,
      );
      for (const len of [n, 200003]) {
        const data = len === n ? x : rng.normals(len);
        const s = be.alloc(len * 4);
        be.write(s, data);
        const r = ref.alloc(len * 4);
        ref.write(r, data);
        const want = ref.sumSquares(r, len);
        assert.ok(Math.abs(be.sumSquares(s, len) - want) < 1e-9 * want, `sumSquares ${len}`);
        be.free(s);
      }
    });

    test('attentionTrain forward and backward', () => {
      const rng = new Rng(10);
      const p = { batch: 2, t: 5, nHead: 4, nKvHead: 2, headDim: 8, scale: 0.35 };
      const qn = p.batch * p.t * p.nHead * p.headDim;
      const kn = p.batch * p.t * p.nKvHead * p.headDim;
      const pn = p.batch * p.nHead * p.t * p.t;
      const inputs = { q: rng.normals(qn), k: rng.normals(kn), v: rng.normals(kn), dout: rng.normals(qn) };
      compare(be, 'attentionTrain', inputs, { out: qn, probs: pn, dq: qn, dk: kn, dv: kn }, (e, b) => {
        e.attentionTrain(b.out!, b.probs!, b.q!, b.k!, b.v!, p);
        e.attentionTrainBackward(b.dq!, b.dk!, b.dv!, b.dout!, b.probs!, b.q!, b.k!, b.v!, p);
      });
    });
  });
}
