// The quantize job: whole files against llama-quantize's goldens (c392e50), mixture rules,
// fallbacks, and the failure modes (existing OUT, bad type, NaN, quantized input).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { FormatError, UnsupportedError, UsageError } from '../errors.js';
import { MemorySource } from '../io/byte-source.js';
import { type GgufKv, GgufValueType, readGguf, writeGguf } from '../io/gguf/index.js';
import { f32ToF16 } from '../quant/index.js';
import { GgmlType, typeName } from '../tensor/dtype.js';
import { sharedPath, skipUnlessShared } from '../testing/shared.js';
import { parseQuantTarget, planQuantization } from './quantize.js';
import { quantizeFile } from './quantize-node.js';

const dir = mkdtempSync(join(tmpdir(), 'llmts-quantize-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function golden(name: string): string {
  return sharedPath('golden', 'models', name)!;
}

function sameFile(a: string, b: string): boolean {
  return Buffer.from(readFileSync(a)).equals(readFileSync(b));
}

for (const [type, file] of [
  ['q8_0', 'tiny-llama-q8_0.gguf'],
  ['q4_0', 'tiny-llama-q4_0.gguf'],
] as const) {
  test(`quantize tiny-llama-f32 --pure ${type}: the golden file byte for byte`, {
    skip: skipUnlessShared('golden', 'models', file),
  }, () => {
    const out = join(dir, `llama-${type}.gguf`);
    const progress: number[] = [];
    const res = quantizeFile(golden('tiny-llama-f32.gguf'), out, {
      type,
      pure: true,
      onProgress: (done, total) => progress.push(done / total),
    });
    assert.equal(res.tensors.length, 39);
    assert.equal(progress.at(-1), 1);
    assert.ok(sameFile(out, golden(file)), 'output differs from the golden file');
  });
}

test('worker threads give the same bytes (q4_0 --pure, 3 threads)', {
  skip: skipUnlessShared('golden', 'models', 'tiny-llama-q4_0.gguf'),
}, () => {
  const out = join(dir, 'llama-q4_0-threads.gguf');
  quantizeFile(golden('tiny-llama-f32.gguf'), out, { type: 'q4_0', pure: true, threads: 3 });
  assert.ok(sameFile(out, golden('tiny-llama-q4_0.gguf')), 'output differs from the golden file');
  assert.throws(
    () => quantizeFile(golden('tiny-llama-f32.gguf'), join(dir, 't0.gguf'), { type: 'q4_0', threads: 0 }),
    UsageError,
  );
});

test('quantize tiny-kquant-f32 q4_k_m: golden tensor types (tied output -> Q6_K) and bytes', {
  skip: skipUnlessShared('golden', 'models', 'tiny-kquant-q4_k_m.gguf'),
}, () => {
  const out = join(dir, 'kquant-q4_k_m.gguf');
  const log: string[] = [];
  quantizeFile(golden('tiny-kquant-f32.gguf'), out, { type: 'q4_k_m', log: (l) => log.push(l) });
  const ours = readGguf(new MemorySource(new Uint8Array(readFileSync(out)), out));
  const ref = readGguf(new MemorySource(new Uint8Array(readFileSync(golden('tiny-kquant-q4_k_m.gguf')))));
  assert.deepEqual(
    ours.tensors.map((t) => `${t.name}:${typeName(t.type)}`),
    ref.tensors.map((t) => `${t.name}:${typeName(t.type)}`),
  );
  assert.ok(sameFile(out, golden('tiny-kquant-q4_k_m.gguf')), 'output differs from the golden file');
  assert.ok(log.some((l) => l.startsWith('token_embd.weight: q6_k (tied output rule)')));
});

test('Hugging Face input (tiny-llama-hf): same tensors as the golden q8_0 file', {
  skip: skipUnlessShared('golden', 'models', 'tiny-llama-hf', 'model.safetensors'),
}, () => {
  const out = join(dir, 'hf-q8_0.gguf');
  quantizeFile(sharedPath('golden', 'models', 'tiny-llama-hf')!, out, { type: 'q8_0', pure: true });
  const a = new Uint8Array(readFileSync(out));
  const b = new Uint8Array(readFileSync(golden('tiny-llama-q8_0.gguf')));
  const ga = readGguf(new MemorySource(a, out));
  const gb = readGguf(new MemorySource(b));
  assert.deepEqual(
    ga.tensors.map((t) => `${t.name}:${t.type}`),
    gb.tensors.map((t) => `${t.name}:${t.type}`),
  );
  for (let i = 0; i < gb.tensors.length; i++) {
    const x = ga.tensors[i]!;
    const y = gb.tensors[i]!;
    const same = Buffer.from(a.subarray(x.offset, x.offset + x.byteLength)).equals(
      b.subarray(y.offset, y.offset + y.byteLength),
    );
    assert.ok(same, `${x.name} differs`);
  }
  assert.equal(ga.metadata.get('general.file_type')?.value, 7);
});

// --- small synthetic models -------------------------------------------------------------------

interface Spec {
  name: string;
  shape: number[];
  values?: (i: number) => number;
  type?: GgmlType;
}

function u32(v: number): GgufKv {
  return { type: GgufValueType.UINT32, value: v };
}

/** Writes a tiny llama-like GGUF (F32 unless a spec says F16) and returns its path. */
function makeModel(file: string, specs: Spec[], nLayer: number): string {
  const tensors = specs.map((s) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const type = s.type ?? GgmlType.F32;
    const data = new Uint8Array(n * (type === GgmlType.F16 ? 2 : 4));
    const dv = new DataView(data.buffer);
    for (let i = 0; i < n; i++) {
      const v = s.values ? s.values(i) : Math.sin(i * 0.37 + s.name.length) * 0.02;
      if (type === GgmlType.F16) dv.setUint16(2 * i, f32ToF16(v), true);
      else dv.setFloat32(4 * i, v, true);
    }
    return { name: s.name, type, shape: s.shape, data };
  });
  const metadata: [string, GgufKv][] = [
    ['general.architecture', { type: GgufValueType.STRING, value: 'llama' }],
    ['general.file_type', u32(0)],
    ['llama.block_count', u32(nLayer)],
  ];
  const path = join(dir, file);
  writeFileSync(path, writeGguf({ metadata, tensors }));
  return path;
}

function layerSpecs(nLayer: number, width: number): Spec[] {
  const out: Spec[] = [{ name: 'token_embd.weight', shape: [width, 4] }];
  for (let i = 0; i < nLayer; i++) {
    for (const t of ['attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_gate', 'ffn_up', 'ffn_down']) {
      out.push({ name: `blk.${i}.${t}.weight`, shape: [width, 2] });
    }
    out.push({ name: `blk.${i}.attn_norm.weight`, shape: [width] });
  }
  out.push({ name: 'output_norm.weight', shape: [width] }, { name: 'output.weight', shape: [width, 4] });
  return out;
}

test('q4_k_m / q5_k_m mixture: use_more_bits layers, untied output, attn_v and ffn_down', () => {
  const path = makeModel('mix8.gguf', layerSpecs(8, 256), 8);
  const g = readGguf(new MemorySource(new Uint8Array(readFileSync(path)), path));
  for (const name of ['q4_k_m', 'q5_k_m']) {
    const tgt = parseQuantTarget(name);
    const plan = new Map(planQuantization(g, tgt, false).map((p) => [p.src.name, p.type]));
    // use_more_bits(i, 8): i < 1 || i >= 7 || (i - 1) % 3 == 2 -> layers 0, 3, 6, 7
    for (let i = 0; i < 8; i++) {
      const more = i === 0 || i === 3 || i === 6 || i === 7;
      for (const t of ['attn_v', 'ffn_down']) {
        assert.equal(
          plan.get(`blk.${i}.${t}.weight`),
          more ? GgmlType.Q6_K : tgt.type,
          `${name} blk.${i}.${t}`,
        );
      }
      assert.equal(plan.get(`blk.${i}.attn_q.weight`), tgt.type);
      assert.equal(plan.get(`blk.${i}.attn_norm.weight`), GgmlType.F32);
    }
    assert.equal(plan.get('output.weight'), GgmlType.Q6_K);
    assert.equal(plan.get('token_embd.weight'), tgt.type); // untied: keeps the default type
    const pure = new Map(planQuantization(g, tgt, true).map((p) => [p.src.name, p.type]));
    for (const [k, v] of pure) assert.equal(v, k.endsWith('norm.weight') ? GgmlType.F32 : tgt.type, k);
  }
  // legacy types get the output rule too (not q8_0), as in llama-quantize without --pure
  const q40 = new Map(planQuantization(g, parseQuantTarget('q4_0'), false).map((p) => [p.src.name, p.type]));
  assert.equal(q40.get('output.weight'), GgmlType.Q6_K);
  assert.equal(q40.get('blk.0.attn_v.weight'), GgmlType.Q4_0);
  const q80 = new Map(planQuantization(g, parseQuantTarget('q8_0'), false).map((p) => [p.src.name, p.type]));
  assert.equal(q80.get('output.weight'), GgmlType.Q8_0);
});

test('rows that do not fit the block size fall back (and say so)', () => {
  const specs: Spec[] = [
    { name: 'blk.0.attn_q.weight', shape: [96, 2] }, // 96: not a multiple of 256, but of 32
    { name: 'blk.0.ffn_up.weight', shape: [40, 2] }, // 40: fits no quantized block
    { name: 'blk.0.attn_norm.weight', shape: [96] },
  ];
  const path = makeModel('fallback.gguf', specs, 1);
  const log: string[] = [];
  const out = join(dir, 'fallback-q4_k_m.gguf');
  const res = quantizeFile(path, out, { type: 'q4_k_m', log: (l) => log.push(l) });
  const types = new Map(res.tensors.map((p) => [p.src.name, p.type]));
  assert.equal(types.get('blk.0.attn_q.weight'), GgmlType.Q5_0);
  assert.equal(types.get('blk.0.ffn_up.weight'), GgmlType.F16);
  assert.equal(types.get('blk.0.attn_norm.weight'), GgmlType.F32);
  assert.equal(log.filter((l) => l.includes('fallback')).length, 2);
  const g = readGguf(new MemorySource(new Uint8Array(readFileSync(out)), out));
  assert.deepEqual(
    g.tensors.map((t) => t.type),
    [GgmlType.F32, GgmlType.Q5_0, GgmlType.F16], // llama order: attn_norm < attn_q < ffn_up
  );
  const q6 = quantizeFile(path, join(dir, 'fallback-q6_k.gguf'), { type: 'q6_k', pure: true });
  assert.equal(q6.tensors.find((p) => p.src.name === 'blk.0.attn_q.weight')?.type, GgmlType.Q8_0);
});

test('F16 input: same result as quantizing its values from an F32 file', () => {
  const f16 = (i: number) => Math.cos(i * 0.11) * 0.05;
  const a = makeModel(
    'in-f16.gguf',
    [{ name: 'blk.0.attn_q.weight', shape: [64, 3], values: f16, type: GgmlType.F16 }],
    1,
  );
  const asF32 = (i: number) => readGgufF16Value(f16(i));
  const b = makeModel('in-f32.gguf', [{ name: 'blk.0.attn_q.weight', shape: [64, 3], values: asF32 }], 1);
  quantizeFile(a, join(dir, 'from-f16.gguf'), { type: 'q8_0' });
  quantizeFile(b, join(dir, 'from-f32.gguf'), { type: 'q8_0' });
  assert.ok(sameFile(join(dir, 'from-f16.gguf'), join(dir, 'from-f32.gguf')));
});

function readGgufF16Value(v: number): number {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setUint16(0, f32ToF16(v), true);
  const h = dv.getUint16(0, true);
  const e = (h >> 10) & 31;
  const m = h & 1023;
  const s = h & 0x8000 ? -1 : 1;
  return e === 0 ? s * m * 2 ** -24 : s * 2 ** (e - 15) * (1 + m / 1024);
}

test('refuses an existing OUT unless --force; unknown types list the valid ones', () => {
  const path = makeModel('small.gguf', [{ name: 'blk.0.attn_q.weight', shape: [32, 2] }], 1);
  const out = join(dir, 'exists.gguf');
  writeFileSync(out, 'keep me');
  assert.throws(() => quantizeFile(path, out, { type: 'q8_0' }), UsageError);
  assert.equal(readFileSync(out, 'utf8'), 'keep me');
  quantizeFile(path, out, { type: 'q8_0', force: true });
  assert.equal(readGguf(new MemorySource(new Uint8Array(readFileSync(out)))).tensors[0]!.type, GgmlType.Q8_0);
  assert.throws(
    () => quantizeFile(path, join(dir, 'x.gguf'), { type: 'q3_xs' }),
    (e: unknown) => e instanceof UsageError && e.message.includes('q4_k_m') && e.message.includes('q8_0'),
  );
});

test('NaN or Inf in a source tensor: an error naming the tensor, nothing left behind', () => {
  const before = new Set(readdirSync(dir));
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
    const path = makeModel(
      'nan.gguf',
      [
        { name: 'blk.0.attn_q.weight', shape: [32, 2] },
        { name: 'blk.0.attn_norm.weight', shape: [32], values: (i) => (i === 5 ? bad : 1) },
      ],
      1,
    );
    const out = join(dir, 'nan-q8.gguf');
    assert.throws(
      () => quantizeFile(path, out, { type: 'q8_0' }),
      (e: unknown) => e instanceof FormatError && e.field === 'blk.0.attn_norm.weight',
    );
    assert.equal(existsSync(out), false);
  }
  const leftovers = readdirSync(dir).filter((f) => !before.has(f) && f !== 'nan.gguf');
  assert.deepEqual(leftovers, []);
});

test('quantized input is refused (requantizing is not supported)', {
  skip: skipUnlessShared('golden', 'models', 'tiny-llama-q8_0.gguf'),
}, () => {
  assert.throws(
    () => quantizeFile(golden('tiny-llama-q8_0.gguf'), join(dir, 'requant.gguf'), { type: 'q4_0' }),
    UnsupportedError,
  );
  assert.equal(existsSync(join(dir, 'requant.gguf')), false);
});
