// The Q8_0 KV cache (SessionOptions.cacheType 'q8_0') on real and synthetic models of every
// family, on the JS reference backend and on the WASM backend (2 threads):
// (a) q8_0-cache logits against f32-cache logits over every position of the golden prompts
//     (prompt + llama.cpp's greedy continuation): same top-1 everywhere, cosine ≥ 0.999;
// (b) WASM q8_0 prefill + decode against the JS q8_0 reference;
// (c) q8_0 decode token by token equals one q8_0 prefill (rows are quantized one by one), and
//     truncate + rewrite equals a fresh session; forwardBatch (also mixing f32 and q8_0
//     sessions) equals each session alone;
// (d) the cache holds 34/128 of the f32 bytes;
// and models whose head size is not a multiple of 32 (tiny-llama 16, stories260K 8) refuse
// q8_0 with an UnsupportedError naming cacheType and the head size.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Backend } from '../backend/backend.js';
import { JsBackend } from '../backend/js/index.js';
import { createWasmBackend, wasmAvailable } from '../backend/wasm/setup-node.js';
import { UnsupportedError, UsageError } from '../errors.js';
import { KVCache } from '../nn/kv-cache.js';
import { GgmlType } from '../tensor/dtype.js';
import { sharedPath, skipUnlessShared } from '../testing/shared.js';
import type { CausalLM, SessionOptions } from './causal-lm.js';
import { MapCheckpoint, memoryTensor, type TensorEntry } from './common/checkpoint.js';
import { HfConfig } from './common/hf-config.js';
import { DecoderSession } from './common/session.js';
import { WeightLoader } from './common/weights.js';
import { argmax, cosine, maxAbsDiff, readGolden } from './golden-node.js';
import { loadModel } from './loader.js';
import { familyForHfModelType } from './registry.js';

const Q8: SessionOptions = { cacheType: 'q8_0' };

/** Logits of `ids` run in one prefill: [T · vocab] (a copy). */
function prefill(m: CausalLM, ids: readonly number[], opts: SessionOptions = {}): Float32Array {
  const s = m.newSession({ contextLength: ids.length + 4, ...opts });
  try {
    return Float32Array.from(s.forward(ids, 'all'));
  } finally {
    s.dispose();
  }
}

/** Logits of `ids` fed k at a time after a prefill of `first` tokens: [T · vocab]. */
function decode(m: CausalLM, ids: readonly number[], first: number, opts: SessionOptions = {}): Float32Array {
  const v = m.info.vocabSize;
  const out = new Float32Array(ids.length * v);
  const s = m.newSession({ contextLength: ids.length + 4, ...opts });
  try {
    out.set(s.forward(ids.slice(0, first), 'all'));
    for (let t = first; t < ids.length; t++) out.set(s.forward([ids[t]!], 'last'), t * v);
  } finally {
    s.dispose();
  }
  return out;
}

/** Positions of q8 and f32 logits ([T · vocab]) with the same argmax; asserts cosine ≥ 0.999 each. */
function compareRows(name: string, q8: Float32Array, f32: Float32Array, vocab: number): number {
  const rows = f32.length / vocab;
  let agree = 0;
  let worst = 1;
  for (let t = 0; t < rows; t++) {
    const a = q8.subarray(t * vocab, (t + 1) * vocab);
    const b = f32.subarray(t * vocab, (t + 1) * vocab);
    if (argmax(a) === argmax(b)) agree++;
    worst = Math.min(worst, cosine(a, b));
  }
  assert.ok(worst >= 0.999, `${name}: worst cosine ${worst}`);
  assert.ok(maxAbsDiff(q8, f32) > 0, `${name}: the q8_0 cache changed nothing`);
  return agree;
}

/** A synthetic HF-layout model (random weights) of a family whose head size is 32. */
function synthetic(backend: Backend, hf: Record<string, unknown>): CausalLM {
  const family = familyForHfModelType(hf.model_type as string);
  const c = family.configFromHf(new HfConfig(hf, 'config.json'));
  let seed = 12345;
  const rnd = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 31 - 1;
  };
  const map = new Map<string, TensorEntry>();
  const add = (name: string, shape: number[], kind: 'w' | 'norm' | 'bias'): void => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++)
      data[i] = kind === 'norm' ? 1 + 0.1 * rnd() : kind === 'bias' ? 0.05 * rnd() : 0.1 * rnd();
    map.set(name, memoryTensor(name, GgmlType.F32, shape, new Uint8Array(data.buffer)));
  };
  const d = c.dim;
  const q = c.nHead * c.headDim;
  const kv = c.nKvHead * c.headDim;
  add('model.embed_tokens.weight', [c.vocabSize, d], 'w');
  for (let l = 0; l < c.nLayer; l++) {
    const p = `model.layers.${l}.`;
    add(`${p}input_layernorm.weight`, [d], 'norm');
    add(`${p}self_attn.q_proj.weight`, [q, d], 'w');
    add(`${p}self_attn.k_proj.weight`, [kv, d], 'w');
    add(`${p}self_attn.v_proj.weight`, [kv, d], 'w');
    if (c.qkvBias) {
      add(`${p}self_attn.q_proj.bias`, [q], 'bias');
      add(`${p}self_attn.k_proj.bias`, [kv], 'bias');
      add(`${p}self_attn.v_proj.bias`, [kv], 'bias');
    }
    if (hf.model_type === 'qwen3') {
      add(`${p}self_attn.q_norm.weight`, [c.headDim], 'norm');
      add(`${p}self_attn.k_norm.weight`, [c.headDim], 'norm');
    }
    add(`${p}self_attn.o_proj.weight`, [d, q], 'w');
    add(`${p}post_attention_layernorm.weight`, [d], 'norm');
    add(`${p}mlp.gate_proj.weight`, [c.ffnDim, d], 'w');
    add(`${p}mlp.up_proj.weight`, [c.ffnDim, d], 'w');
    add(`${p}mlp.down_proj.weight`, [d, c.ffnDim], 'w');
  }
  add('model.norm.weight', [d], 'norm');
  if (!c.tiedEmbeddings) add('lm_head.weight', [c.vocabSize, d], 'w');
  const ckpt = new MapCheckpoint('hf', 'memory', map);
  return family.build(backend, new WeightLoader(backend, ckpt, family.hfNames(c)), c);
}

const SYNTHETIC: Record<string, Record<string, unknown>> = {
  qwen3: {
    model_type: 'qwen3',
    hidden_size: 64,
    intermediate_size: 96,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    head_dim: 32,
    rms_norm_eps: 1e-6,
    rope_theta: 1000000,
    vocab_size: 64,
    max_position_embeddings: 128,
    tie_word_embeddings: true,
  },
  qwen2: {
    model_type: 'qwen2',
    hidden_size: 64,
    intermediate_size: 96,
    num_hidden_layers: 2,
    num_attention_heads: 2,
    num_key_value_heads: 1,
    rms_norm_eps: 1e-6,
    rope_theta: 1000000,
    vocab_size: 64,
    max_position_embeddings: 128,
  },
};

/** Models under test: golden GGUFs (llama GQA head 64, gpt2 head 32) and synthetic qwen2/qwen3. */
interface Case {
  name: string;
  skip: string | false;
  load(b: Backend): Promise<CausalLM>;
  /** Token sequences: golden prompt + greedy ids, or fixed ids. */
  seqs(): number[][];
}

function goldenCase(name: string): Case {
  return {
    name,
    skip:
      skipUnlessShared('golden', 'models', `${name}.gguf`) ||
      skipUnlessShared('golden', 'goldens', `${name}.json`),
    load: (b) => loadModel(sharedPath('golden', 'models', `${name}.gguf`)!, { backend: b }),
    seqs: () =>
      readGolden(sharedPath('golden', 'goldens', `${name}.json`)!).prompts.map((p) => [
        ...p.prompt_ids,
        ...p.greedy_ids,
      ]),
  };
}

function syntheticCase(family: string): Case {
  const ids = Array.from({ length: 40 }, (_, i) => (i * 37 + 11) % 64);
  return {
    name: `synthetic ${family}`,
    skip: false,
    load: async (b) => synthetic(b, SYNTHETIC[family]!),
    seqs: () => [ids, ids.slice(5, 30).reverse()],
  };
}

const CASES: Case[] = [
  goldenCase('tiny-kquant-f32'),
  goldenCase('tiny-gpt2-f32'),
  syntheticCase('qwen2'),
  syntheticCase('qwen3'),
];

const js = new JsBackend();
let wasm: Backend | undefined;
before(async () => {
  if (wasmAvailable()) wasm = await createWasmBackend({ threads: 2 });
});
after(() => {
  wasm?.dispose();
  js.dispose();
});

for (const c of CASES) {
  describe(c.name, { skip: c.skip }, () => {
    let mj: CausalLM;
    let mw: CausalLM | undefined;
    before(async () => {
      mj = await c.load(js);
      if (wasm !== undefined) mw = await c.load(wasm);
    });
    after(() => {
      mj?.dispose();
      mw?.dispose();
    });

    test('(a) q8_0 cache vs f32 cache: cosine ≥ 0.999 everywhere, top-1 ≥ 98% (js and wasm)', () => {
      for (const [bi, m] of [mj, mw].entries()) {
        if (m === undefined) continue;
        const be = bi === 0 ? 'js' : 'wasm';
        let agree = 0;
        let n = 0;
        for (const [i, ids] of c.seqs().entries()) {
          agree += compareRows(`${be} seq ${i}`, prefill(m, ids, Q8), prefill(m, ids), m.info.vocabSize);
          n += ids.length;
        }
        // Random-weight models have near-ties: flips happen only where the f32 margin is tiny.
        assert.ok(agree >= 0.98 * n, `${be}: top-1 agreement ${agree}/${n}`);
      }
    });

    test('(b) wasm q8_0 prefill + decode equals the js q8_0 reference', { skip: !wasmAvailable() }, () => {
      const ids = c.seqs()[0]!;
      const first = Math.min(9, ids.length - 1);
      const want = decode(mj, ids, first, Q8);
      const got = decode(mw!, ids, first, Q8);
      const d = maxAbsDiff(got, want);
      let scale = 0;
      for (const x of want) scale = Math.max(scale, Math.abs(x));
      assert.ok(d <= 2e-3 * scale, `max |wasm − js| = ${d} (logit scale ${scale})`);
      const agree = compareRows('wasm vs js (q8_0)', got, want, mj.info.vocabSize);
      assert.ok(agree >= 0.98 * ids.length, `wasm vs js top-1 agreement ${agree}/${ids.length}`);
    });

    test('(c) q8_0 decode equals one q8_0 prefill; truncate; forwardBatch', () => {
      const v = mj.info.vocabSize;
      const ids = c.seqs()[0]!;
      const all = prefill(mj, ids, Q8);
      // Exact: K/V rows are quantized one by one, the same bytes either way.
      assert.equal(maxAbsDiff(decode(mj, ids, 3, Q8), all), 0, 'token-by-token vs one prefill');
      // Truncate and rewrite with other tokens == a fresh session over the new sequence.
      const other = [...ids.slice(0, 6), ...ids.slice(2, 10).reverse()];
      const s = mj.newSession({ contextLength: ids.length + 4, ...Q8 });
      s.forward(ids, 'none');
      s.truncate(6);
      const tail = Float32Array.from(s.forward(other.slice(6), 'all'));
      s.dispose();
      const fresh = prefill(mj, other, Q8);
      assert.equal(maxAbsDiff(tail, fresh.subarray(6 * v)), 0, 'truncate + rewrite');
      // forwardBatch: a q8_0 and an f32 session stepped together equal each run alone.
      const a = mj.newSession({ contextLength: 64, ...Q8 });
      const b = mj.newSession({ contextLength: 64 });
      const p1 = ids.slice(0, 7);
      const p2 = ids.slice(3, 8);
      const [la, lb] = mj.forwardBatch([a, b], [p1, p2]).map((x) => Float32Array.from(x));
      const [la2, lb2] = mj.forwardBatch([a, b], [[ids[7]!], [ids[8]!]]).map((x) => Float32Array.from(x));
      a.dispose();
      b.dispose();
      const ra = prefill(mj, [...p1, ids[7]!], Q8);
      const rb = prefill(mj, [...p2, ids[8]!]);
      assert.ok(maxAbsDiff(la!, ra.subarray(6 * v, 7 * v)) <= 1e-5, 'batched q8_0 prefill');
      assert.ok(maxAbsDiff(la2!, ra.subarray(7 * v, 8 * v)) <= 1e-5, 'batched q8_0 step');
      assert.ok(maxAbsDiff(lb!, rb.subarray(4 * v, 5 * v)) <= 1e-5, 'batched f32 prefill');
      assert.ok(maxAbsDiff(lb2!, rb.subarray(5 * v, 6 * v)) <= 1e-5, 'batched f32 step');
    });

    test('(d) a q8_0 cache holds 34/128 of the f32 bytes', () => {
      const q = mj.newSession({ contextLength: 64, ...Q8 });
      const f = mj.newSession({ contextLength: 64 });
      assert.ok(q instanceof DecoderSession && f instanceof DecoderSession);
      assert.equal(q.cache.type, GgmlType.Q8_0);
      assert.equal(q.cache.bytes * 128, f.cache.bytes * 34);
      assert.equal(q.cache.k.bytes + q.cache.v.bytes, q.cache.bytes);
      assert.equal(f.cache.bytes, KVCache.bytes(f.cache.nLayer, 64, f.cache.kvDim));
      q.dispose();
      f.dispose();
    });
  });
}

for (const [name, headDim] of [
  ['tiny-llama-f32', 16],
  ['stories260K', 8],
] as const) {
  test(`${name} (head size ${headDim}) refuses a q8_0 cache; unknown cache types are usage errors`, {
    skip: skipUnlessShared('golden', 'models', `${name}.gguf`),
  }, async () => {
    const m = await loadModel(sharedPath('golden', 'models', `${name}.gguf`)!, { backend: js });
    try {
      assert.throws(
        () => m.newSession(Q8),
        (e: unknown) =>
          e instanceof UnsupportedError &&
          e.field === 'cacheType' &&
          e.message.includes(`head size is ${headDim}`),
      );
      assert.throws(
        () => m.newSession({ cacheType: 'q4_0' as 'q8_0' }),
        (e: unknown) => e instanceof UsageError && e.field === 'cacheType' && e.message.includes('f32, q8_0'),
      );
      m.newSession({ cacheType: 'f32' }).dispose();
    } finally {
      m.dispose();
    }
  });
}
