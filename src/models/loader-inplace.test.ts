// Loading reads every matrix straight into its backend storage: each read of a matrix tensor
// targets the very view Backend.allocWeight returned (no JS-side temporary of the tensor's size),
// on the JS and the WASM backend, for F32 and quantized GGUF files; the HF Q/K permutation runs
// in place and gives the GGUF file's bytes; F64 safetensors narrow in bounded chunks.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Backend, Weight } from '../backend/backend.js';
import { JsBackend } from '../backend/js/index.js';
import { createWasmBackend } from '../backend/wasm/setup-node.js';
import type { ByteSource } from '../io/byte-source.js';
import { readSafetensors, writeSafetensors } from '../io/safetensors/index.js';
import { GgmlType } from '../tensor/dtype.js';
import { sharedPath, skipUnlessShared } from '../testing/shared.js';
import { hfCheckpoint } from './common/hf-checkpoint.js';
import { permuteRows, permuteRowsInPlace } from './common/layout.js';
import { WeightLoader } from './common/weights.js';
import { nodeFs } from './fs-node.js';
import { loadModel, type ModelFs, openCheckpoint } from './loader.js';

interface Spy {
  /** Views handed out by allocWeight. */
  views: Uint8Array[];
  /** Destinations of every readInto once weights load (after the first allocWeight). */
  reads: Uint8Array[];
}

/** Wraps a backend so that allocWeight records the views it returns. */
function spyBackend(be: Backend, spy: Spy): Backend {
  return new Proxy(be, {
    get(target, key, receiver) {
      if (key === 'allocWeight') {
        return (type: GgmlType, rows: number, cols: number) => {
          const r = target.allocWeight(type, rows, cols);
          spy.views.push(r.bytes);
          return r;
        };
      }
      const v = Reflect.get(target, key, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** Node file access whose sources record the destination of every readInto. */
function spyFs(spy: Spy): ModelFs {
  return {
    ...nodeFs,
    open(path: string) {
      const src = nodeFs.open(path);
      const wrapped: ByteSource & { close?(): void } = {
        name: src.name,
        size: src.size,
        read: (o, n) => src.read(o, n),
        readInto(o: number, dst: Uint8Array) {
          if (spy.views.length > 0) spy.reads.push(dst);
          src.readInto(o, dst);
        },
        close: () => src.close?.(),
      };
      return wrapped;
    },
  };
}

const same = (a: Uint8Array, b: Uint8Array) =>
  a.buffer === b.buffer && a.byteOffset === b.byteOffset && a.byteLength === b.byteLength;

const MODELS = ['tiny-llama-f32.gguf', 'tiny-llama-q4_0.gguf', 'tiny-kquant-q4_k_m.gguf', 'tiny-llama-hf'];

const wasm = await createWasmBackend({ threads: 1 });
const js = new JsBackend();
after(() => {
  wasm.dispose();
  js.dispose();
});

for (const name of MODELS) {
  for (const [label, be] of [
    ['js', js],
    ['wasm', wasm],
  ] as const) {
    test(`${name} on ${label}: every matrix is read straight into its weight view`, {
      skip: skipUnlessShared('golden', 'models', name),
    }, async () => {
      const spy: Spy = { views: [], reads: [] };
      const model = await loadModel(sharedPath('golden', 'models', name)!, {
        backend: spyBackend(be, spy),
        fs: spyFs(spy),
        tokenizer: null,
      });
      try {
        assert.ok(spy.views.length >= 5 * model.info.nLayer, 'matrices go through allocWeight');
        // Every view was filled by exactly one read into it.
        for (const v of spy.views) {
          assert.equal(spy.reads.filter((r) => same(r, v)).length, 1, 'one read straight into the view');
        }
        // Every other read is a small vector (norm gains, biases): at most one model row.
        const others = spy.reads.filter((r) => !spy.views.some((v) => same(r, v)));
        const rowBytes = model.info.dim * 4;
        for (const r of others) assert.ok(r.byteLength <= rowBytes, `a ${r.byteLength}-byte temporary read`);
        assert.equal(others.length + spy.views.length, spy.reads.length);
      } finally {
        model.dispose();
      }
    });
  }
}

test('HF q/k permuted in place equal the GGUF rows', {
  skip:
    skipUnlessShared('golden', 'models', 'tiny-llama-hf') ||
    skipUnlessShared('golden', 'models', 'tiny-llama-f32.gguf'),
}, async () => {
  const hf = openCheckpoint(nodeFs, sharedPath('golden', 'models', 'tiny-llama-hf')!);
  const gg = openCheckpoint(nodeFs, sharedPath('golden', 'models', 'tiny-llama-f32.gguf')!);
  try {
    const weights: Weight[] = [];
    const lh = new WeightLoader(js, hf.ckpt, hf.names);
    const lg = new WeightLoader(js, gg.ckpt, gg.names);
    const c = gg.config;
    for (const [t, rows] of [
      ['attn_q', c.nHead * c.headDim],
      ['attn_k', c.nKvHead * c.headDim],
    ] as const) {
      const a = lh.matrix(`blk.0.${t}.weight`, rows, c.dim);
      const b = lg.matrix(`blk.0.${t}.weight`, rows, c.dim);
      weights.push(a, b);
      const ba = new Uint8Array(a.buf.bytes);
      const bb = new Uint8Array(b.buf.bytes);
      js.read(a.buf, ba);
      js.read(b.buf, bb);
      assert.equal(hf.names(`blk.0.${t}.weight`)?.transform.kind, 'permute');
      assert.deepEqual(ba, bb);
    }
    for (const w of weights) js.freeWeight(w);
  } finally {
    hf.close();
    gg.close();
  }
});

test('permuteRowsInPlace matches permuteRows both ways with a one-head scratch', () => {
  const rows = 24;
  const rowLen = 6;
  const heads = 3;
  const src = Uint8Array.from({ length: rows * rowLen }, (_, i) => (i * 37) & 255);
  for (const inverse of [false, true]) {
    const buf = src.slice();
    permuteRowsInPlace(buf, rows, rowLen, heads, inverse, new Uint8Array((rows / heads) * rowLen));
    assert.deepEqual(buf, permuteRows(src, rows, rowLen, heads, inverse));
  }
  // And they are inverses of each other, and not the identity.
  const fwd = permuteRows(src, rows, rowLen, heads, false);
  assert.notDeepEqual(fwd, src);
  assert.deepEqual(permuteRows(fwd, rows, rowLen, heads, true), src);
});

test('F64 safetensors narrow to F32 in bounded chunks', () => {
  const n = 300_001; // more than two 1 MiB chunks of f64
  const f = new Float64Array(n);
  for (let i = 0; i < n; i++) f[i] = Math.sin(i) * 1e3 + 1e-9 * i;
  const file = writeSafetensors([{ name: 'w', dtype: 'F64', shape: [n], data: new Uint8Array(f.buffer) }]);
  const dir = mkdtempSync(join(tmpdir(), 'llmts-f64-'));
  try {
    const path = join(dir, 'model.safetensors');
    writeFileSync(path, file);
    const spy: Spy = { views: [new Uint8Array(0)], reads: [] };
    const src = spyFs(spy).open(path);
    const ckpt = hfCheckpoint([{ st: readSafetensors(src), src }], dir);
    const e = ckpt.get('w')!;
    assert.equal(e.type, GgmlType.F32);
    const out = new Uint8Array(e.byteLength);
    spy.reads.length = 0;
    e.readInto(out);
    src.close?.();
    assert.ok(spy.reads.length >= 3, 'read in several chunks');
    for (const r of spy.reads) assert.ok(r.byteLength <= 1 << 20, `a ${r.byteLength}-byte temporary`);
    assert.deepEqual(new Float32Array(out.buffer), Float32Array.from(f));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
