// safetensors fuzz target (§8): mutations of a valid file; header-JSON mutations.
import { test } from 'node:test';
import fc from 'fast-check';
import { MemorySource } from '../byte-source.js';
import { checkHostile, mutate, mutationArb } from '../fuzz-util.js';
import { readSafetensors } from './read.js';
import { writeSafetensors } from './write.js';

const seed = writeSafetensors(
  [
    { name: 'a.weight', dtype: 'F32', shape: [2, 3], data: new Uint8Array(24).fill(1) },
    { name: 'b', dtype: 'BF16', shape: [4], data: new Uint8Array(8).fill(2) },
    { name: 'z', dtype: 'I8', shape: [0], data: new Uint8Array(0) },
  ],
  { format: 'pt' },
);
const headerEnd = readSafetensors(new MemorySource(seed)).dataOffset;
const parse = (b: Uint8Array) => readSafetensors(new MemorySource(b, 'fuzz.safetensors'));

test('safetensors fuzz: byte mutations', () => {
  fc.assert(
    fc.property(mutationArb(), (muts) => {
      checkHostile(mutate(seed, muts, headerEnd), parse);
    }),
    { numRuns: 10000, seed: 11 },
  );
});

test('safetensors fuzz: arbitrary JSON headers', () => {
  fc.assert(
    fc.property(fc.json({ depthSize: 'medium' }), fc.nat({ max: 64 }), (json, dataLen) => {
      const h = new TextEncoder().encode(json);
      const b = new Uint8Array(8 + h.length + dataLen);
      new DataView(b.buffer).setBigUint64(0, BigInt(h.length), true);
      b.set(h, 8);
      checkHostile(b, parse);
    }),
    { numRuns: 3000, seed: 12 },
  );
});

test('safetensors fuzz: structured headers with random field values', () => {
  const num = fc.oneof(fc.nat({ max: 16 }), fc.integer(), fc.double(), fc.constant(2 ** 53 + 2));
  const entry = fc.record(
    {
      dtype: fc.oneof(
        fc.constantFrom('F32', 'U8', 'BF16', 'F4', 'F6_E3M2', 'BOOL'),
        fc.string({ maxLength: 4 }),
      ),
      shape: fc.array(num, { maxLength: 3 }),
      data_offsets: fc.array(num, { maxLength: 3 }),
    },
    { requiredKeys: [] },
  );
  fc.assert(
    fc.property(
      fc.dictionary(fc.string({ maxLength: 6 }), entry, { maxKeys: 5 }),
      fc.nat({ max: 80 }),
      (hdr, dataLen) => {
        const h = new TextEncoder().encode(JSON.stringify(hdr));
        const b = new Uint8Array(8 + h.length + dataLen);
        new DataView(b.buffer).setBigUint64(0, BigInt(h.length), true);
        b.set(h, 8);
        checkHostile(b, parse);
      },
    ),
    { numRuns: 3000, seed: 13 },
  );
});
