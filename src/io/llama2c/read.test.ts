import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { FormatError } from '../../errors.js';
import { GgmlType } from '../../tensor/dtype.js';
import { sharedPath, skipUnlessShared } from '../../testing/shared.js';
import { MemorySource } from '../byte-source.js';
import { checkHostile, mutate, mutationArb } from '../fuzz-util.js';
import { getTensor, readGguf, readTensorData } from '../gguf/index.js';
import { readLlama2c, readLlama2cTensor } from './read.js';

const GGUF_NAME: Record<string, string> = {
  token_embedding_table: 'token_embd.weight',
  rms_att_weight: 'attn_norm.weight',
  wq: 'attn_q.weight',
  wk: 'attn_k.weight',
  wv: 'attn_v.weight',
  wo: 'attn_output.weight',
  rms_ffn_weight: 'ffn_norm.weight',
  w1: 'ffn_gate.weight',
  w2: 'ffn_down.weight',
  w3: 'ffn_up.weight',
  rms_final_weight: 'output_norm.weight',
};

function ggufName(name: string): string {
  const m = /^layers\.(\d+)\.(.+)$/.exec(name);
  return m ? `blk.${m[1]}.${GGUF_NAME[m[2]!]}` : GGUF_NAME[name]!;
}

const BIN = ['data', 'models', 'stories260K', 'stories260K.bin'];
const GGUF = ['golden', 'models', 'stories260K.gguf'];

test('stories260K.bin: every tensor equals the GGUF conversion', {
  skip: skipUnlessShared(...BIN) || skipUnlessShared(...GGUF),
}, () => {
  const bin = new MemorySource(new Uint8Array(readFileSync(sharedPath(...BIN)!)), 'stories260K.bin');
  const gsrc = new MemorySource(new Uint8Array(readFileSync(sharedPath(...GGUF)!)), 'stories260K.gguf');
  const l = readLlama2c(bin);
  assert.deepEqual(l.config, {
    dim: 64,
    hiddenDim: 172,
    nLayers: 5,
    nHeads: 8,
    nKvHeads: 4,
    vocabSize: 512,
    seqLen: 512,
    sharedClassifier: true,
  });
  const g = readGguf(gsrc);
  assert.equal(l.tensors.length + 1, g.tensors.length); // + output.weight (the shared classifier)
  for (const t of l.tensors) {
    const gt = getTensor(g, ggufName(t.name));
    assert.equal(gt.type, GgmlType.F32);
    assert.deepEqual([...t.shape].reverse(), gt.shape, t.name);
    assert.deepEqual(bin.read(t.offset, t.byteLength), readTensorData(gsrc, gt), t.name);
  }
  const emb = readLlama2cTensor(bin, l.tensors[0]!);
  assert.deepEqual(new Uint8Array(emb.buffer), readTensorData(gsrc, getTensor(g, 'output.weight')));
});

function header(h: number[], extraFloats: number): Uint8Array {
  const b = new Uint8Array(28 + extraFloats * 4);
  const dv = new DataView(b.buffer);
  h.forEach((v, i) => {
    dv.setInt32(i * 4, v, true);
  });
  return b;
}

/** Floats in a llama2.c file for the given header. */
function floats(
  dim: number,
  hidden: number,
  layers: number,
  heads: number,
  kv: number,
  vocab: number,
  seq: number,
): number {
  const hs = dim / heads;
  const per = dim + dim * dim + 2 * dim * kv * hs + dim * dim + dim + 3 * dim * hidden;
  return Math.abs(vocab) * dim + layers * per + dim + seq * hs + (vocab < 0 ? -vocab * dim : 0);
}

test('small synthetic checkpoints: shared and unshared classifier', () => {
  const shared = readLlama2c(
    new MemorySource(header([8, 16, 2, 2, 1, 10, 4], floats(8, 16, 2, 2, 1, 10, 4))),
  );
  assert.equal(shared.tensors.at(-1)!.name, 'rms_final_weight');
  const uns = readLlama2c(new MemorySource(header([8, 16, 2, 2, 1, -10, 4], floats(8, 16, 2, 2, 1, -10, 4))));
  assert.equal(uns.config.sharedClassifier, false);
  assert.equal(uns.config.vocabSize, 10);
  assert.deepEqual(uns.tensors.at(-1), {
    name: 'wcls',
    shape: [10, 8],
    offset: 28 + (floats(8, 16, 2, 2, 1, -10, 4) - 80) * 4,
    byteLength: 320,
  });
  assert.deepEqual(uns.tensors.find((t) => t.name === 'layers.1.wk')!.shape, [4, 8]);
});

test('hostile llama2.c headers and sizes', () => {
  const bad: [Uint8Array, RegExp][] = [
    [new Uint8Array(27), /too short/],
    [header([0, 16, 2, 2, 1, 10, 4], 100), /dim = 0/],
    [header([8, 16, 2, 2, 1, 0, 4], 100), /vocab_size 0/],
    [header([8, 16, 2, 3, 1, 10, 4], 100), /not a multiple of n_heads/],
    [header([8, 16, 2, 2, 3, 10, 4], 100), /n_kv_heads/],
    [header([-1, 16, 2, 2, 1, 10, 4], 100), /dim = -1/],
    [header([2 ** 30, 16, 2, 2, 1, 10, 4], 100), /out of range/],
    [header([8, 16, 2, 2, 1, -(2 ** 31), 4], 100), /vocab_size/],
    [header([8, 16, 2, 2, 1, 10, 4], floats(8, 16, 2, 2, 1, 10, 4) - 1), /should have/],
    [header([8, 16, 2, 2, 1, 10, 4], floats(8, 16, 2, 2, 1, 10, 4) + 1), /should have/],
    [header([1 << 20, 1 << 20, 1 << 20, 1, 1, 1 << 20, 1 << 20], 0), /should have/],
  ];
  for (const [b, re] of bad) {
    assert.throws(
      () => readLlama2c(new MemorySource(b)),
      (e: unknown) => e instanceof FormatError && re.test(e.message),
    );
  }
});

test('llama2.c fuzz: header mutations', () => {
  const seed = header([8, 16, 2, 2, 1, 10, 4], floats(8, 16, 2, 2, 1, 10, 4));
  fc.assert(
    fc.property(mutationArb(), (m) => {
      checkHostile(mutate(seed, m, 28), (b) => readLlama2c(new MemorySource(b)));
    }),
    { numRuns: 5000, seed: 5 },
  );
});
