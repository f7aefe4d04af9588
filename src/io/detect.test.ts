import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { FormatError } from '../errors.js';
import { sharedPath, skipUnlessShared } from '../testing/shared.js';
import { MemorySource } from './byte-source.js';
import { detectFormat, PICKLE_MESSAGE, refusePickle } from './detect.js';
import { writeGguf } from './gguf/write.js';
import { writeSafetensors } from './safetensors/write.js';

const mem = (b: number[] | Uint8Array) =>
  new MemorySource(b instanceof Uint8Array ? b : new Uint8Array(b), 'model.bin');

test('detectFormat recognises our own files and pickles', () => {
  assert.equal(detectFormat(mem(writeGguf({ metadata: [], tensors: [] }))), 'gguf');
  assert.equal(detectFormat(mem(writeSafetensors([]))), 'safetensors');
  assert.equal(detectFormat(mem([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0])), 'pickle');
  for (const proto of [2, 3, 4, 5]) assert.equal(detectFormat(mem([0x80, proto, 0x7d, 0x71])), 'pickle');
  assert.equal(detectFormat(mem([0x80, 0x01, 0x7d])), 'unknown');
  assert.equal(detectFormat(mem([])), 'unknown');
  assert.equal(detectFormat(mem(new Uint8Array(100))), 'unknown');
});

test('detectFormat on the shared model files', {
  skip: skipUnlessShared('data', 'models', 'stories260K', 'stories260K.bin'),
}, () => {
  const bin = new Uint8Array(readFileSync(sharedPath('data', 'models', 'stories260K', 'stories260K.bin')!));
  assert.equal(detectFormat(mem(bin)), 'llama2c');
  const st = sharedPath('golden', 'models', 'tiny-gpt2-hf', 'model.safetensors');
  if (st) assert.equal(detectFormat(mem(new Uint8Array(readFileSync(st)))), 'safetensors');
});

test('PKL-01 refusePickle: zip and pickle checkpoints get the conversion message', () => {
  for (const head of [
    [0x50, 0x4b, 0x03, 0x04, 1, 2],
    [0x80, 0x02, 0x8a, 0x0a],
    [0x80, 0x05, 0x95],
  ]) {
    assert.throws(
      () => refusePickle(mem(head)),
      (e: unknown) =>
        e instanceof FormatError && e.message === `model.bin: ${PICKLE_MESSAGE}` && e.file === 'model.bin',
    );
  }
  refusePickle(mem(writeGguf({ metadata: [], tensors: [] })));
  refusePickle(mem([]));
});

test('PKL-03 no source file deserialises pickle', async (t) => {
  const { existsSync, readdirSync, readFileSync, statSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { REPO_ROOT } = await import('../testing/shared.js');
  const hits: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|js|mjs)$/.test(name) && !name.endsWith('.test.ts')) {
        if (/Unpickler|pickle\.loads?\(|torch\.load\(/.test(readFileSync(p, 'utf8'))) hits.push(p);
      }
    }
  };
  const src = join(REPO_ROOT, 'src');
  if (!existsSync(src)) {
    t.skip('no src/ folder next to the build');
    return;
  }
  walk(src);
  assert.deepEqual(hits, []);
});
