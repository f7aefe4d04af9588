// GGUF fuzz target (MF-GGUF-27, §8): random mutations of a valid file and every single-bit flip
// of its header. Outcome must be a parse or a FormatError, fast, with bounded allocations.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { GgmlType } from '../../tensor/dtype.js';
import { MemorySource } from '../byte-source.js';
import { checkHostile, mutate, mutationArb } from '../fuzz-util.js';
import { readGguf } from './read.js';
import { GgufValueType as T } from './types.js';
import { writeGguf } from './write.js';

function seedFile(): Uint8Array {
  return writeGguf({
    metadata: [
      ['general.architecture', { type: T.STRING, value: 'llama' }],
      ['general.alignment', { type: T.UINT32, value: 16 }],
      ['llama.block_count', { type: T.UINT32, value: 2 }],
      ['llama.rope.freq_base', { type: T.FLOAT32, value: 10000 }],
      ['big', { type: T.UINT64, value: 2n ** 60n }],
      ['flag', { type: T.BOOL, value: true }],
      ['tokenizer.ggml.tokens', { type: T.ARRAY, value: { itemType: T.STRING, values: ['<s>', 'a', 'bc'] } }],
      [
        'tokenizer.ggml.scores',
        { type: T.ARRAY, value: { itemType: T.FLOAT32, values: new Float32Array([0, -1, -2]) } },
      ],
      [
        'nested',
        {
          type: T.ARRAY,
          value: { itemType: T.ARRAY, values: [{ itemType: T.INT16, values: new Int16Array([1, -2]) }] },
        },
      ],
    ],
    tensors: [
      { name: 'tok', type: GgmlType.F32, shape: [4, 3], data: new Uint8Array(48).fill(1) },
      { name: 'q', type: GgmlType.Q4_0, shape: [32, 2], data: new Uint8Array(36).fill(2) },
      { name: 'h', type: GgmlType.F16, shape: [5], data: new Uint8Array(10).fill(3) },
    ],
  });
}

const parse = (b: Uint8Array) => readGguf(new MemorySource(b, 'fuzz.gguf'));

test('GGUF-27 every single-bit flip of the header region', () => {
  const seed = seedFile();
  const headerEnd = parse(seed).dataOffset;
  let rejected = 0;
  for (let i = 0; i < headerEnd; i++) {
    for (let bit = 0; bit < 8; bit++) {
      const b = seed.slice();
      b[i] = b[i]! ^ (1 << bit);
      if (checkHostile(b, parse) === 'rejected') rejected++;
    }
  }
  assert.ok(rejected > headerEnd, `only ${rejected} of ${headerEnd * 8} flips were rejected`);
});

test('GGUF fuzz: random mutations never crash, hang or over-allocate', () => {
  const seed = seedFile();
  const headerEnd = parse(seed).dataOffset;
  fc.assert(
    fc.property(mutationArb(), (muts) => {
      checkHostile(mutate(seed, muts, headerEnd), parse);
    }),
    { numRuns: 20000, seed: 7 },
  );
});
