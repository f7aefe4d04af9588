import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { GgmlType } from '../../tensor/dtype.js';
import { sharedPath, skipUnlessShared } from '../../testing/shared.js';
import { MemorySource } from '../byte-source.js';
import { openFileSource } from '../byte-source-node.js';
import { getF32Array, getInt, getString, getStringArray, readTensorData } from './getters.js';
import { readGguf } from './read.js';
import { writeGguf } from './write.js';

/** Every GGUF under golden/models and the llama.cpp vocab folder (written by gguf-py). */
function ggufFiles(): string[] {
  const out: string[] = [];
  for (const rel of [
    ['golden', 'models'],
    ['data', 'tokenizers', 'llama.cpp-vocab'],
  ]) {
    const dir = sharedPath(...rel);
    if (dir === undefined) continue;
    for (const f of readdirSync(dir).sort()) if (f.endsWith('.gguf')) out.push(join(dir, f));
  }
  return out;
}

const files = ggufFiles();
test('shared GGUF files are present', { skip: skipUnlessShared('golden', 'models') }, () => {
  assert.ok(files.length >= 20, `found ${files.length}`);
});

for (const path of files) {
  test(`${basename(path)}: read, then write back byte for byte`, () => {
    const bytes = new Uint8Array(readFileSync(path));
    const g = readGguf(new MemorySource(bytes, path));
    assert.equal(g.version, 3);
    const out = writeGguf({
      metadata: g.metadata,
      tensors: g.tensors.map((t) => ({
        name: t.name,
        type: t.type,
        shape: t.shape,
        data: bytes.subarray(t.offset, t.offset + t.byteLength),
      })),
    });
    assert.equal(out.length, bytes.length);
    assert.ok(Buffer.from(out).equals(Buffer.from(bytes)), 'rewritten file differs');
  });
}

test('golden tiny-llama-f32: metadata getters and file source', {
  skip: skipUnlessShared('golden', 'models', 'tiny-llama-f32.gguf'),
}, () => {
  const src = openFileSource(sharedPath('golden', 'models', 'tiny-llama-f32.gguf')!);
  try {
    const g = readGguf(src);
    assert.equal(getString(g, 'general.architecture'), 'llama');
    assert.equal(getInt(g, 'llama.embedding_length'), 128);
    assert.equal(getInt(g, 'llama.block_count'), 4);
    const tokens = getStringArray(g, 'tokenizer.ggml.tokens');
    assert.equal(tokens.length, 4096);
    assert.equal(tokens[1], '<s>');
    assert.equal(tokens[3], '<0x00>');
    const scores = getF32Array(g, 'tokenizer.ggml.scores');
    assert.equal(scores[260], -1);
    const emb = g.tensors.find((t) => t.name === 'token_embd.weight')!;
    assert.equal(emb.type, GgmlType.F32);
    assert.deepEqual(emb.shape, [128, 4096]);
    const data = readTensorData(src, emb);
    assert.equal(data.length, 128 * 4096 * 4);
    assert.throws(() => getInt(g, 'general.architecture'), /general\.architecture/);
    assert.throws(() => getString(g, 'nope.key'), /nope\.key/);
  } finally {
    src.close();
  }
});
