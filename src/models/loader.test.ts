// The loader on hostile or unusual files: GGUF metadata that is zero, absurd or does not divide
// (ConfigError naming the GGUF key), tensors of the wrong shape or missing (ShapeError naming the
// tensor), unknown architectures, pickle and garbage files — and a failed load frees what it
// uploaded. Variants are made by rewriting tiny-llama-f32.gguf in memory with the GGUF writer.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import type { Buf, Weight } from '../backend/backend.js';
import { JsBackend } from '../backend/js/index.js';
import { ConfigError, FormatError, type LlmtsError, ShapeError, UnsupportedError } from '../errors.js';
import { MemorySource } from '../io/byte-source.js';
import { type GgufKv, GgufValueType, readGguf, writeGguf } from '../io/gguf/index.js';
import type { GgmlType } from '../tensor/dtype.js';
import { sharedPath, skipUnlessShared } from '../testing/shared.js';
import { loadModel } from './loader.js';

/** A JS backend that counts live weights and buffers. */
class CountingBackend extends JsBackend {
  live = 0;
  /** Every weight (uploadWeight included) is allocated here. */
  override allocWeight(type: GgmlType, rows: number, cols: number): { weight: Weight; bytes: Uint8Array } {
    this.live++;
    return super.allocWeight(type, rows, cols);
  }
  override freeWeight(w: Weight): void {
    this.live--;
    super.freeWeight(w);
  }
  override alloc(bytes: number): Buf {
    this.live++;
    return super.alloc(bytes);
  }
  override free(b: Buf): void {
    this.live--;
    super.free(b);
  }
}

const backend = new CountingBackend();
after(() => backend.dispose());
const SKIP = skipUnlessShared('golden', 'models', 'tiny-llama-f32.gguf');

interface Edit {
  meta?: Record<string, GgufKv | null>;
  tensor?: { name: string; shape?: number[]; drop?: boolean };
}

function variant(e: Edit): Uint8Array {
  const bytes = new Uint8Array(readFileSync(sharedPath('golden', 'models', 'tiny-llama-f32.gguf')!));
  const src = new MemorySource(bytes, 'tiny-llama-variant.gguf');
  const g = readGguf(src);
  const metadata: [string, GgufKv][] = [];
  for (const [k, kv] of g.metadata) {
    const r = e.meta?.[k];
    if (r === null) continue;
    metadata.push([k, r ?? kv]);
  }
  for (const [k, kv] of Object.entries(e.meta ?? {}))
    if (kv !== null && !g.metadata.has(k)) metadata.push([k, kv]);
  const tensors = g.tensors.flatMap((t) => {
    if (e.tensor?.name !== t.name)
      return [{ name: t.name, type: t.type, shape: t.shape, data: src.read(t.offset, t.byteLength) }];
    if (e.tensor.drop) return [];
    const shape = e.tensor.shape!;
    const n = shape.reduce((a, b) => a * b, 1);
    return [{ name: t.name, type: t.type, shape, data: new Uint8Array(n * 4) }];
  });
  return writeGguf({ metadata, tensors });
}

const u32 = (value: number): GgufKv => ({ type: GgufValueType.UINT32, value });

async function expectError(
  bytes: Uint8Array,
  cls: new (...a: never[]) => LlmtsError,
  field: string | undefined,
) {
  const before = backend.live;
  await assert.rejects(loadModel(bytes, { backend, tokenizer: null }), (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
    if (field !== undefined) assert.equal((e as LlmtsError).field, field);
    return true;
  });
  assert.equal(backend.live, before, 'a failed load frees everything it uploaded');
}

test('the unmodified variant loads (the harness itself is sound)', { skip: SKIP }, async () => {
  const m = await loadModel(variant({}), { backend });
  assert.equal(m.info.nLayer, 4);
  assert.ok(m.tokenizer !== undefined, 'GGUF tokenizer metadata is attached');
  m.dispose();
  assert.equal(backend.live, 0, 'dispose frees every weight and buffer');
});

test('bad hyper-parameters: ConfigError naming the GGUF key', { skip: SKIP }, async () => {
  const cases: [Record<string, GgufKv | null>, string][] = [
    [{ 'llama.block_count': u32(0) }, 'llama.block_count'],
    [{ 'llama.embedding_length': u32(0) }, 'llama.embedding_length'],
    [{ 'llama.embedding_length': u32(2 ** 31) }, 'llama.embedding_length'],
    [{ 'llama.attention.head_count': u32(3) }, 'llama.attention.head_count'],
    [{ 'llama.attention.head_count_kv': u32(3) }, 'llama.attention.head_count_kv'],
    [{ 'llama.feed_forward_length': u32(0) }, 'llama.feed_forward_length'],
    [{ 'llama.context_length': u32(0) }, 'llama.context_length'],
    [{ 'llama.rope.dimension_count': u32(17) }, 'llama.rope.dimension_count'],
    [
      { 'llama.attention.layer_norm_rms_epsilon': { type: GgufValueType.FLOAT32, value: -1 } },
      'llama.attention.layer_norm_rms_epsilon',
    ],
  ];
  for (const [meta, field] of cases) await expectError(variant({ meta }), ConfigError, field);
});

test('missing or mistyped metadata: FormatError naming the key', { skip: SKIP }, async () => {
  await expectError(variant({ meta: { 'llama.block_count': null } }), FormatError, 'llama.block_count');
  await expectError(
    variant({ meta: { 'llama.block_count': { type: GgufValueType.STRING, value: '4' } } }),
    FormatError,
    'llama.block_count',
  );
});

test('tensor shapes are checked against the config: ShapeError naming the tensor', {
  skip: SKIP,
}, async () => {
  await expectError(
    variant({ tensor: { name: 'blk.2.attn_k.weight', shape: [128, 48] } }),
    ShapeError,
    'blk.2.attn_k.weight',
  );
  await expectError(
    variant({ tensor: { name: 'blk.3.ffn_down.weight', drop: true } }),
    ShapeError,
    'blk.3.ffn_down.weight',
  );
  await expectError(
    variant({ tensor: { name: 'output_norm.weight', shape: [64] } }),
    ShapeError,
    'output_norm.weight',
  );
  // More layers declared than stored.
  await expectError(variant({ meta: { 'llama.block_count': u32(5) } }), ShapeError, 'blk.4.attn_q.weight');
});

test('unknown architectures, pickle and garbage files are refused', { skip: SKIP }, async () => {
  await expectError(
    variant({ meta: { 'general.architecture': { type: GgufValueType.STRING, value: 'mamba' } } }),
    UnsupportedError,
    'general.architecture',
  );
  await expectError(new Uint8Array([0x80, 0x04, 0x95, 1, 2, 3, 4, 5, 6, 7, 8]), FormatError, undefined);
  await expectError(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]), FormatError, undefined);
  await expectError(new TextEncoder().encode('hello, not a model at all'), FormatError, undefined);
});
