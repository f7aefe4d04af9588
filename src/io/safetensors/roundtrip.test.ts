// safetensors writer: golden files rewritten byte for byte, random round trips, conversions.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../errors.js';
import { sharedPath, skipUnlessShared } from '../../testing/shared.js';
import { MemorySource } from '../byte-source.js';
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16, fromFloat32, toFloat32 } from './convert.js';
import { SAFETENSORS_DTYPE_BITS, type SafetensorsDtype } from './dtype.js';
import { findTensor, readTensorBytes } from './index.js';
import { readSafetensors } from './read.js';
import { writeSafetensors } from './write.js';

for (const model of ['tiny-gpt2-hf', 'tiny-qwen2-hf', 'tiny-llama-hf']) {
  const rel = ['golden', 'models', model, 'model.safetensors'];
  test(`golden ${model}: read and rewrite byte for byte`, { skip: skipUnlessShared(...rel) }, () => {
    const path = sharedPath(...rel)!;
    const bytes = new Uint8Array(readFileSync(path));
    const src = new MemorySource(bytes, path);
    const st = readSafetensors(src);
    assert.ok(st.tensors.length > 30);
    assert.equal(st.dataOffset % 8, 0);
    const out = writeSafetensors(
      st.tensors.map((t) => ({ ...t, data: readTensorBytes(src, t) })),
      st.metadata,
    );
    assert.ok(Buffer.from(out).equals(Buffer.from(bytes)));
  });
}

test('golden tiny-llama-hf tensors equal the GGUF twin (embedding)', {
  skip: skipUnlessShared('golden', 'models', 'tiny-llama-hf', 'model.safetensors'),
}, async () => {
  const { readGguf, getTensor, readTensorData } = await import('../gguf/index.js');
  const stBytes = new Uint8Array(
    readFileSync(sharedPath('golden', 'models', 'tiny-llama-hf', 'model.safetensors')!),
  );
  const ggBytes = new Uint8Array(readFileSync(sharedPath('golden', 'models', 'tiny-llama-f32.gguf')!));
  const st = readSafetensors(new MemorySource(stBytes));
  const gsrc = new MemorySource(ggBytes);
  const g = readGguf(gsrc);
  const a = findTensor(st, 'model.embed_tokens.weight')!;
  const b = getTensor(g, 'token_embd.weight');
  assert.deepEqual([...a.shape].reverse(), b.shape);
  assert.deepEqual(readTensorBytes(new MemorySource(stBytes), a), readTensorData(gsrc, b));
});

const dtypes = [...SAFETENSORS_DTYPE_BITS.keys()].filter((d) => SAFETENSORS_DTYPE_BITS.get(d)! % 8 === 0);

test('random write -> read round trips', () => {
  const tensorArb = fc.record({
    dtype: fc.constantFrom(...dtypes),
    shape: fc.array(fc.nat({ max: 4 }), { maxLength: 3 }),
    fill: fc.nat({ max: 255 }),
  });
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.tuple(fc.string({ minLength: 1, maxLength: 8 }), tensorArb), {
        selector: ([n]) => n,
        maxLength: 6,
      }),
      fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
      (entries, meta) => {
        const tensors = entries
          .filter(([n]) => n !== '__metadata__')
          .map(([name, { dtype, shape, fill }]) => {
            const n =
              shape.reduce((a, b) => a * b, 1) * (SAFETENSORS_DTYPE_BITS.get(dtype as SafetensorsDtype)! / 8);
            return { name, dtype, shape, data: new Uint8Array(n).fill(fill) };
          });
        const metadata = new Map(Object.entries(meta));
        const bytes = writeSafetensors(tensors, metadata);
        const src = new MemorySource(bytes);
        const st = readSafetensors(src);
        assert.equal(st.dataOffset % 8, 0);
        assert.deepEqual(st.metadata, metadata);
        assert.equal(st.tensors.length, tensors.length);
        for (const t of tensors) {
          const r = findTensor(st, t.name)!;
          assert.equal(r.dtype, t.dtype);
          assert.deepEqual(r.shape, t.shape);
          assert.deepEqual(readTensorBytes(src, r), t.data);
        }
      },
    ),
    { numRuns: 200, seed: 3 },
  );
});

test('writer refuses bad input', () => {
  const ok = { name: 'a', dtype: 'F32' as const, shape: [2], data: new Uint8Array(8) };
  assert.throws(() => writeSafetensors([ok, ok]), UsageError);
  assert.throws(() => writeSafetensors([{ ...ok, data: new Uint8Array(4) }]), /expected 8/);
  assert.throws(() => writeSafetensors([{ ...ok, name: '__metadata__' }]), UsageError);
  assert.throws(() => writeSafetensors([{ ...ok, shape: [-1] }]), UsageError);
});

test('float conversions match the IEEE definitions', () => {
  const f32 = new Float32Array([1.5, -2, 65504, 1e-7, Number.NaN, Number.POSITIVE_INFINITY]);
  // f16 reference: Math.fround-free exact values.
  assert.equal(f16ToF32(0x3c00), 1);
  assert.equal(f16ToF32(0xc000), -2);
  assert.equal(f16ToF32(0x7bff), 65504);
  assert.equal(f16ToF32(0x0001), 2 ** -24);
  assert.equal(f16ToF32(0x7c00), Number.POSITIVE_INFINITY);
  assert.ok(Number.isNaN(f16ToF32(0x7e00)));
  // bf16 is the top half of an f32.
  const u32 = new Uint32Array(f32.buffer);
  for (let i = 0; i < f32.length; i++) {
    const hi = u32[i]! >>> 16;
    const back = new Float32Array(new Uint32Array([hi << 16]).buffer)[0]!;
    assert.ok(Object.is(bf16ToF32(hi), back));
  }
  const bytes = new Uint8Array(f32.buffer.slice(0));
  assert.deepEqual(toFloat32('F32', bytes, f32.length), f32);
  const f64 = new Float64Array([0.1, -3]);
  assert.deepEqual(toFloat32('F64', new Uint8Array(f64.buffer), 2), Float32Array.from(f64));
});

test('f32ToF16: exact on every half value, ties to even at every midpoint', () => {
  for (let h = 0; h < 0x10000; h++) {
    const x = f16ToF32(h);
    if (Number.isNaN(x)) {
      assert.ok(Number.isNaN(f16ToF32(f32ToF16(x))));
      continue;
    }
    assert.equal(f32ToF16(x), h, `h=${h.toString(16)}`);
    const e = h & 0x7fff;
    if (e < 0x7bff) {
      const mid = (x + f16ToF32(h + 1)) / 2; // exact in f32 (one more mantissa bit)
      assert.equal(f32ToF16(mid), (h & 1) === 0 ? h : h + 1, `mid after ${h.toString(16)}`);
    }
  }
  assert.equal(f32ToF16(65520), 0x7c00); // rounds up to Inf
  assert.equal(f32ToF16(65519), 0x7bff);
  assert.equal(f32ToF16(2 ** -26), 0); // below half the smallest subnormal
});

test('f32ToBf16 matches nearest-even rounding on random floats', () => {
  fc.assert(
    fc.property(fc.float({ noNaN: true }), (x) => {
      const b = f32ToBf16(x);
      const lo = new Uint32Array(new Float32Array([x]).buffer)[0]! >>> 16;
      const cands = [lo, (lo + 1) & 0xffff];
      const d = cands.map((c) => Math.abs(bf16ToF32(c) - x));
      const want =
        Number.isNaN(d[1]!) || d[0]! < d[1]!
          ? cands[0]
          : d[1]! < d[0]!
            ? cands[1]
            : cands.find((c) => (c & 1) === 0);
      if (Number.isFinite(x) && Math.abs(x) < 3.3e38) assert.equal(b, want, `x=${x}`);
      assert.equal(f32ToBf16(bf16ToF32(b)), b);
    }),
    { numRuns: 5000, seed: 4 },
  );
  const v = new Float32Array([1, -2.5, 0.1]);
  assert.deepEqual(
    toFloat32('BF16', fromFloat32('BF16', v), 3),
    Float32Array.from([1, -2.5, bf16ToF32(f32ToBf16(0.1))]),
  );
  assert.deepEqual(
    toFloat32('F16', fromFloat32('F16', v), 3),
    Float32Array.from([1, -2.5, f16ToF32(f32ToF16(0.1))]),
  );
  assert.deepEqual(toFloat32('F32', fromFloat32('F32', v), 3), v);
});
