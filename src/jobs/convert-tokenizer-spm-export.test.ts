// GGUF 'llama' (SentencePiece) vocabulary → tokenizer.json, checked against llama.cpp's expected
// tokenizations (.inp/.out and tokenizer-goldens.json, which come from Hugging Face's tokenizers),
// against the GGUF vocabulary tokenizer and SentencePiece's own tokenizer.model, and back to GGUF
// through the tokenizer.json → GGUF conversion.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { FormatError, UnsupportedError } from '../errors.js';
import { openFileSource } from '../io/byte-source-node.js';
import {
  type Gguf,
  type GgufKv,
  GgufValueType,
  getF32Array,
  getI32Array,
  getInt,
  getStringArray,
  readGguf,
} from '../io/gguf/index.js';
import { sharedPath, skipUnlessShared } from '../testing/shared.js';
import type { BaseTokenizer } from '../tokenizers/base.js';
import { tokenizerFromGguf } from '../tokenizers/gguf-vocab.js';
import { tokenizerFromHfJson } from '../tokenizers/hf-json.js';
import { loadTokenizer } from '../tokenizers/load-node.js';
import { parseSentencePiece, tokenizerFromSentencePiece } from '../tokenizers/sentencepiece.js';
import { readVocabCases, type VocabCase } from '../tokenizers/testdata-node.js';
import { convertModel } from './convert-node.js';
import { ggufMetaFromHfJson, hfJsonFromGguf } from './convert-tokenizer.js';
import { spmHfJsonFromGguf, spmMerges } from './convert-tokenizer-spm-export.js';

const VOCAB = ['data', 'tokenizers', 'llama.cpp-vocab'] as const;
const vocabPath = (name: string) => sharedPath(...VOCAB, `ggml-vocab-${name}.gguf`);
const goldensPath = sharedPath('golden', 'tokenizer-goldens.json');
const goldens: Record<string, Record<string, number[]>> = goldensPath
  ? JSON.parse(readFileSync(goldensPath, 'utf8'))
  : {};

const tmp = mkdtempSync(join(tmpdir(), 'llmts-spm-export-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const cache = new Map<string, Gguf>();
function gguf(name: string): Gguf {
  let g = cache.get(name);
  if (g === undefined) {
    g = readGguf(openFileSource(vocabPath(name)!));
    cache.set(name, g);
  }
  return g;
}

/** Exports, serializes and parses back (what a file round trip does), then loads with llmts. */
function exported(g: Gguf): {
  json: Record<string, unknown>;
  config: Record<string, unknown>;
  hf: BaseTokenizer;
} {
  const files = spmHfJsonFromGguf(g);
  const json = JSON.parse(JSON.stringify(files.tokenizer)) as Record<string, unknown>;
  const config = JSON.parse(JSON.stringify(files.config)) as Record<string, unknown>;
  return { json, config, hf: tokenizerFromHfJson(json, config) };
}

function withMeta(g: Gguf, changes: Record<string, GgufKv | undefined>): Gguf {
  const metadata = new Map(g.metadata);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) metadata.delete(k);
    else metadata.set(k, v);
  }
  return { ...g, metadata };
}

function cases(name: string): VocabCase[] {
  return [...(readVocabCases(name) ?? []), ...(readVocabCases(name, 'llama.cpp-vocab/newer-inp-out') ?? [])];
}

/** Texts beyond llama.cpp's cases: CJK, emoji and rare characters that need byte fallback, spaces. */
const OWN = [
  '大语言模型是基于深度学习的自然语言处理模型。你好，世界！',
  '🦙🚀 emoji 👍🏽 and 👨‍👩‍👧 need byte fallback; so do 𝕏 and \u0000\u0001',
  '   three leading spaces',
  'trailing spaces   ',
  'multiple    inner     spaces\tand\ttabs',
  ' ',
  '  ',
  '\n\n line\r\nbreaks \n',
  'Ünïcödé façade — “quotes” … 1,000.5',
];
const WITH_SPECIALS = ['<s>Hello</s>', 'Hello <s> world </s> <unk> again', '<s><s> </s>', 'a</s>b'];

function sameAsGguf(hf: BaseTokenizer, gg: BaseTokenizer, label: string): void {
  for (const s of [...OWN, ...WITH_SPECIALS]) {
    for (const opts of [{}, { addSpecial: false }, { allowSpecial: true }]) {
      const ids = gg.encode(s, opts);
      assert.deepEqual(hf.encode(s, opts), ids, `${label} ${JSON.stringify(s)} ${JSON.stringify(opts)}`);
      assert.equal(hf.decode(ids), gg.decode(ids), `${label} decode ${JSON.stringify(s)}`);
      assert.equal(
        hf.decode(ids, { skipSpecial: true }),
        gg.decode(ids, { skipSpecial: true }),
        `${label} decode ${JSON.stringify(s)}`,
      );
    }
  }
  // text without added tokens comes back exactly (after an added token, both prefix a space)
  for (const s of OWN)
    assert.equal(hf.decode(hf.encode(s, { addSpecial: false })), s, `${label} ${JSON.stringify(s)}`);
}

for (const name of ['llama-spm', 'phi-3', 'baichuan']) {
  test(`${name}: the exported tokenizer.json gives llama.cpp's ids and the GGUF tokenizer's`, {
    skip: skipUnlessShared(...VOCAB, `ggml-vocab-${name}.gguf`),
  }, () => {
    const g = gguf(name);
    const { hf } = exported(g);
    const gg = tokenizerFromGguf(g);
    let checked = 0;
    for (const c of cases(name)) {
      const ids = hf.encode(c.text, { addSpecial: false });
      assert.deepEqual(ids, c.ids, JSON.stringify(c.text));
      assert.deepEqual(gg.encode(c.text, { addSpecial: false }), ids, JSON.stringify(c.text));
      assert.equal(hf.decode(ids), c.text, JSON.stringify(c.text));
      checked++;
    }
    for (const key of [name, `${name}@no-bos`]) {
      for (const [text, ids] of Object.entries(goldens[key] ?? {})) {
        assert.deepEqual(hf.encode(text, { addSpecial: !key.endsWith('@no-bos') }), ids, `${key} ${text}`);
        checked++;
      }
    }
    assert.ok(checked >= 15, `only ${checked} cases`);
    assert.equal(hf.bosId, gg.bosId);
    assert.equal(hf.eosId, gg.eosId);
    assert.equal(hf.addBos, gg.addBos);
    assert.equal(hf.addEos, gg.addEos);
    assert.equal(hf.chatTemplate, gg.chatTemplate);
    assert.equal(hf.vocabSize, gg.vocabSize);
    sameAsGguf(hf, gg, name);
  });
}

test('llama-spm: tokenizer.json has the shape of LlamaTokenizerFast', {
  skip: skipUnlessShared(...VOCAB, 'ggml-vocab-llama-spm.gguf'),
}, () => {
  const g = gguf('llama-spm');
  const { json, config } = exported(g);
  assert.deepEqual(json.normalizer, {
    type: 'Sequence',
    normalizers: [
      { type: 'Prepend', prepend: '\u2581' },
      { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' },
    ],
  });
  assert.equal(json.pre_tokenizer, null);
  assert.deepEqual(json.decoder, {
    type: 'Sequence',
    decoders: [
      { type: 'Replace', pattern: { String: '\u2581' }, content: ' ' },
      { type: 'ByteFallback' },
      { type: 'Fuse' },
      { type: 'Strip', content: ' ', start: 1, stop: 0 },
    ],
  });
  const model = json.model as Record<string, unknown>;
  assert.equal(model.type, 'BPE');
  assert.equal(model.byte_fallback, true);
  assert.equal(model.fuse_unk, true);
  assert.equal(model.unk_token, '<unk>');
  const tokens = getStringArray(g, 'tokenizer.ggml.tokens');
  const vocab = model.vocab as Record<string, number>;
  assert.equal(Object.keys(vocab).length, tokens.length);
  for (let id = 0; id < tokens.length; id++) assert.equal(vocab[tokens[id]!], id, tokens[id]);
  assert.deepEqual(
    (json.added_tokens as { id: number; content: string; special: boolean }[]).map((a) => [
      a.id,
      a.content,
      a.special,
    ]),
    [
      [0, '<unk>', true],
      [1, '<s>', true],
      [2, '</s>', true],
    ],
  );
  const post = json.post_processor as Record<string, unknown>;
  assert.equal(post.type, 'TemplateProcessing');
  assert.deepEqual(post.single, [
    { SpecialToken: { id: '<s>', type_id: 0 } },
    { Sequence: { id: 'A', type_id: 0 } },
  ]);
  assert.deepEqual(post.special_tokens, { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } });
  assert.equal(config.bos_token, '<s>');
  assert.equal(config.eos_token, '</s>');
  assert.equal(config.unk_token, '<unk>');
  assert.equal(config.add_bos_token, true);
  assert.equal(config.add_eos_token, false);
});

test('llama-spm: merges follow transformers generate_merges over the scores', {
  skip: skipUnlessShared(...VOCAB, 'ggml-vocab-llama-spm.gguf'),
}, () => {
  const g = gguf('llama-spm');
  const tokens = getStringArray(g, 'tokenizer.ggml.tokens');
  const scores = getF32Array(g, 'tokenizer.ggml.scores');
  const id = new Map(tokens.map((t, i) => [t, i]));
  const merges = spmMerges(tokens, scores);
  // exactly the splits of every piece into two pieces, each once
  const expected = new Set<string>();
  for (const t of tokens) {
    const cps = [...t];
    for (let k = 1; k < cps.length; k++) {
      const l = cps.slice(0, k).join('');
      const r = cps.slice(k).join('');
      if (id.has(l) && id.has(r)) expected.add(`${l}\u0000${r}`);
    }
  }
  const got = merges.map(([l, r]) => `${l}\u0000${r}`);
  assert.equal(new Set(got).size, got.length, 'no duplicate merges');
  assert.deepEqual(new Set(got), expected);
  // ordered by the merged piece's score, then left and right lengths (descending); a piece's
  // splits with equal lengths by the parts' ids
  for (let i = 1; i < merges.length; i++) {
    const [l0, r0] = merges[i - 1]!;
    const [l1, r1] = merges[i]!;
    const s0 = scores[id.get(l0 + r0)!]!;
    const s1 = scores[id.get(l1 + r1)!]!;
    assert.ok(s0 >= s1, `merge ${i}: score order`);
    if (s0 !== s1) continue;
    const k0 = [[...l0].length, [...r0].length];
    const k1 = [[...l1].length, [...r1].length];
    assert.ok(k0[0]! > k1[0]! || (k0[0] === k1[0] && k0[1]! >= k1[1]!), `merge ${i}: length order`);
    if (l0 + r0 === l1 + r1 && k0[0] === k1[0] && k0[1] === k1[1])
      assert.ok(id.get(l0)! < id.get(l1)!, `merge ${i}: part order`);
  }
});

test('add_space_prefix = false: no Prepend, no Strip, same ids as the GGUF tokenizer', {
  skip: skipUnlessShared(...VOCAB, 'ggml-vocab-llama-spm.gguf'),
}, () => {
  const g = withMeta(gguf('llama-spm'), {
    'tokenizer.ggml.add_space_prefix': { type: GgufValueType.BOOL, value: false },
    'tokenizer.ggml.add_eos_token': { type: GgufValueType.BOOL, value: true },
  });
  const { json, config, hf } = exported(g);
  const normalizer = json.normalizer as { normalizers: { type: string }[] };
  assert.deepEqual(
    normalizer.normalizers.map((n) => n.type),
    ['Replace'],
  );
  const decoder = json.decoder as { decoders: { type: string }[] };
  assert.ok(!decoder.decoders.some((d) => d.type === 'Strip'));
  assert.equal(config.add_eos_token, true);
  const single = (json.post_processor as { single: unknown[] }).single;
  assert.deepEqual(single[single.length - 1], { SpecialToken: { id: '</s>', type_id: 0 } });
  const gg = tokenizerFromGguf(g);
  assert.equal(hf.addEos, true);
  for (const c of cases('llama-spm').slice(0, 40)) {
    assert.deepEqual(hf.encode(c.text), gg.encode(c.text), JSON.stringify(c.text));
  }
  sameAsGguf(hf, gg, 'no-prefix');
});

test('second reference: SentencePiece tokenizer.model of LLaMA-2 (llama2c/)', {
  skip: skipUnlessShared('data', 'tokenizers', 'llama2c', 'tokenizer.model'),
}, () => {
  const buf = new Uint8Array(readFileSync(sharedPath('data', 'tokenizers', 'llama2c', 'tokenizer.model')!));
  const sp = parseSentencePiece(buf);
  const spTok = tokenizerFromSentencePiece(buf);
  // a GGUF vocabulary built from the .model's pieces, as llama.cpp's converter writes it
  const base = gguf('llama-spm');
  const strArr = (values: string[]): GgufKv => ({
    type: GgufValueType.ARRAY,
    value: { itemType: GgufValueType.STRING, values },
  });
  const u32 = (value: number): GgufKv => ({ type: GgufValueType.UINT32, value });
  const metadata = new Map<string, GgufKv>([
    ['tokenizer.ggml.model', { type: GgufValueType.STRING, value: 'llama' }],
    ['tokenizer.ggml.tokens', strArr(sp.pieces.map((p) => p.piece))],
    [
      'tokenizer.ggml.scores',
      {
        type: GgufValueType.ARRAY,
        value: { itemType: GgufValueType.FLOAT32, values: Float32Array.from(sp.pieces, (p) => p.score) },
      },
    ],
    [
      'tokenizer.ggml.token_type',
      {
        type: GgufValueType.ARRAY,
        value: { itemType: GgufValueType.INT32, values: Int32Array.from(sp.pieces, (p) => p.type) },
      },
    ],
    ['tokenizer.ggml.bos_token_id', u32(sp.bosId)],
    ['tokenizer.ggml.eos_token_id', u32(sp.eosId)],
    ['tokenizer.ggml.unknown_token_id', u32(sp.unkId)],
    ['tokenizer.ggml.add_space_prefix', { type: GgufValueType.BOOL, value: sp.addDummyPrefix }],
  ]);
  const { hf } = exported({ ...base, file: 'tokenizer.model', metadata });
  for (const c of cases('llama-spm')) {
    assert.deepEqual(hf.encode(c.text, { addSpecial: false }), c.ids, JSON.stringify(c.text));
  }
  for (const s of [...OWN, ...WITH_SPECIALS]) {
    const ids = spTok.encode(s);
    assert.deepEqual(hf.encode(s), ids, JSON.stringify(s));
    assert.equal(hf.decode(ids), spTok.decode(ids), JSON.stringify(s));
  }
});

test('llama.cpp prompt ids of the golden stories260K model (a real 512-piece SentencePiece vocab)', {
  skip: skipUnlessShared('golden', 'goldens', 'stories260K.json'),
}, () => {
  const golden = JSON.parse(readFileSync(sharedPath('golden', 'goldens', 'stories260K.json')!, 'utf8')) as {
    model_file: string;
    prompts: { source_text: string; prompt_ids: number[] }[];
  };
  const g = readGguf(openFileSource(sharedPath('golden', 'models', golden.model_file)!));
  const { hf } = exported(g);
  assert.ok(golden.prompts.length > 0);
  for (const p of golden.prompts) assert.deepEqual(hf.encode(p.source_text), p.prompt_ids, p.source_text);
  sameAsGguf(hf, tokenizerFromGguf(g), 'stories260K');
});

test('a truncated vocabulary whose pieces need non-piece characters has no tokenizer.json form', {
  skip: skipUnlessShared('golden', 'models', 'tiny-llama-f32.gguf'),
}, () => {
  // tiny-llama keeps the first 4096 LLaMA pieces: '▁T' is one, '▁' is not (llama.cpp still merges)
  const g = readGguf(openFileSource(sharedPath('golden', 'models', 'tiny-llama-f32.gguf')!));
  assert.throws(
    () => spmHfJsonFromGguf(g),
    (e: unknown) => e instanceof UnsupportedError && e.field === 'tokenizer.ggml.tokens',
  );
  assert.equal(hfJsonFromGguf(g), undefined);
});

test('round trip: GGUF vocabulary → tokenizer.json → GGUF keeps tokens, types, ids and tokenization', {
  skip: skipUnlessShared(...VOCAB, 'ggml-vocab-phi-3.gguf'),
}, () => {
  for (const name of ['llama-spm', 'phi-3', 'baichuan']) {
    const a = gguf(name);
    const { json, config } = exported(a);
    const metadata = new Map([...a.metadata].filter(([k]) => !k.startsWith('tokenizer.')));
    for (const [k, v] of ggufMetaFromHfJson(json, config, 'tokenizer.json')) metadata.set(k, v);
    const b: Gguf = { ...a, metadata };
    assert.deepEqual(getStringArray(b, 'tokenizer.ggml.tokens'), getStringArray(a, 'tokenizer.ggml.tokens'));
    const ta = getI32Array(a, 'tokenizer.ggml.token_type');
    const tb = getI32Array(b, 'tokenizer.ggml.token_type');
    for (let i = 0; i < ta.length; i++) {
      // tokenizer.json has one unknown token; other CONTROL/UNKNOWN tokens are all special added
      // tokens (phi-3 types its <unk> CONTROL and 53 padding tokens UNKNOWN)
      const norm = (t: number, id: number) => (t === 2 && id !== 0 ? 3 : id === 0 && t === 3 ? 2 : t);
      assert.equal(norm(tb[i]!, i), norm(ta[i]!, i), `${name} token_type[${i}]`);
    }
    for (const k of ['bos_token_id', 'eos_token_id', 'unknown_token_id']) {
      const key = `tokenizer.ggml.${k}`;
      if (a.metadata.has(key)) assert.equal(getInt(b, key), getInt(a, key), `${name} ${key}`);
    }
    assert.equal(
      b.metadata.get('tokenizer.chat_template')?.value,
      a.metadata.get('tokenizer.chat_template')?.value,
    );
    // tokenizer.json has no scores; the merge order carries them: every merged piece keeps its
    // score rank (ties in the original may be broken)
    const sa = getF32Array(a, 'tokenizer.ggml.scores');
    const sb = getF32Array(b, 'tokenizer.ggml.scores');
    const vocab = (json.model as { vocab: Record<string, number> }).vocab;
    const merged = [
      ...new Set((json.model as { merges: string[] }).merges.map((m) => vocab[m.replace(' ', '')]!)),
    ];
    merged.sort((x, y) => sb[y]! - sb[x]!);
    for (let i = 1; i < merged.length; i++) {
      assert.ok(sa[merged[i - 1]!]! >= sa[merged[i]!]!, `${name}: score order of ${merged[i]}`);
    }
    const ga = tokenizerFromGguf(a);
    const gb = tokenizerFromGguf(b);
    for (const c of cases(name))
      assert.deepEqual(gb.encode(c.text), ga.encode(c.text), JSON.stringify(c.text));
    sameAsGguf(gb, ga, `${name} round trip`);
  }
});

test('llmts convert: a LLaMA GGUF exports tokenizer.json that loads and imports back', {
  skip: skipUnlessShared('golden', 'goldens', 'stories260K.json'),
}, () => {
  const golden = JSON.parse(readFileSync(sharedPath('golden', 'goldens', 'stories260K.json')!, 'utf8')) as {
    model_file: string;
    prompts: { source_text: string; prompt_ids: number[] }[];
  };
  const src = sharedPath('golden', 'models', golden.model_file)!;
  const out = join(tmp, 'stories-hf');
  const res = convertModel(src, out);
  assert.ok(existsSync(join(out, 'tokenizer.json')) && existsSync(join(out, 'tokenizer_config.json')));
  assert.ok(!res.notes.some((n) => n.includes('tokenizer.json not written')), res.notes.join('; '));
  const hf = loadTokenizer(out);
  for (const p of golden.prompts) assert.deepEqual(hf.encode(p.source_text), p.prompt_ids);
  const back = join(tmp, 'stories-back.gguf');
  convertModel(out, back);
  const a = readGguf(openFileSource(src));
  const b = readGguf(openFileSource(back));
  assert.deepEqual(getStringArray(b, 'tokenizer.ggml.tokens'), getStringArray(a, 'tokenizer.ggml.tokens'));
  assert.deepEqual(getI32Array(b, 'tokenizer.ggml.token_type'), getI32Array(a, 'tokenizer.ggml.token_type'));
  const gb = tokenizerFromGguf(b);
  for (const p of golden.prompts) assert.deepEqual(gb.encode(p.source_text), p.prompt_ids);
  sameAsGguf(gb, tokenizerFromGguf(a), 'stories260K via llmts convert');
});

test('hostile llama vocabularies: FormatError naming the key', {
  skip: skipUnlessShared('golden', 'models', 'stories260K.gguf'),
}, () => {
  const g = readGguf(openFileSource(sharedPath('golden', 'models', 'stories260K.gguf')!));
  const tokens = getStringArray(g, 'tokenizer.ggml.tokens');
  const n = tokens.length;
  const f32 = (values: Float32Array): GgufKv => ({
    type: GgufValueType.ARRAY,
    value: { itemType: GgufValueType.FLOAT32, values },
  });
  const strArr = (values: string[]): GgufKv => ({
    type: GgufValueType.ARRAY,
    value: { itemType: GgufValueType.STRING, values },
  });
  const rejects = (changes: Record<string, GgufKv | undefined>, field: string) =>
    assert.throws(
      () => hfJsonFromGguf(withMeta(g, changes)),
      (e: unknown) => e instanceof FormatError && e.field === field,
      `${field}: ${Object.keys(changes).join()}`,
    );
  const tokensWith = (i: number, t: string) => strArr(tokens.map((x, k) => (k === i ? t : x)));
  const scoreKey = 'tokenizer.ggml.scores';
  rejects({ [scoreKey]: undefined }, scoreKey);
  rejects({ [scoreKey]: f32(new Float32Array(n - 1)) }, scoreKey);
  rejects({ [scoreKey]: f32(new Float32Array(n + 5)) }, scoreKey);
  rejects({ [scoreKey]: f32(new Float32Array(n).fill(Number.NaN)) }, scoreKey);
  rejects({ [scoreKey]: strArr(tokens) }, scoreKey);
  rejects({ [scoreKey]: { type: GgufValueType.FLOAT32, value: 1 } }, scoreKey);
  rejects({ 'tokenizer.ggml.token_type': strArr(tokens) }, 'tokenizer.ggml.token_type');
  rejects(
    {
      'tokenizer.ggml.token_type': {
        type: GgufValueType.ARRAY,
        value: { itemType: GgufValueType.INT32, values: new Int32Array(3) },
      },
    },
    'tokenizer.ggml.token_type',
  );
  rejects(
    {
      'tokenizer.ggml.token_type': {
        type: GgufValueType.ARRAY,
        value: { itemType: GgufValueType.INT32, values: new Int32Array(n).fill(99) },
      },
    },
    'tokenizer.ggml.token_type',
  );
  // BYTE-typed tokens (ids 3..258 here) that are not distinct <0xNN>
  for (const bad of ['<0xZZ>', '<0x0a>', '<0x0A>x', 'A', '<0x01>'])
    rejects({ 'tokenizer.ggml.tokens': tokensWith(3, bad) }, 'tokenizer.ggml.tokens');
  rejects({ 'tokenizer.ggml.tokens': undefined }, 'tokenizer.ggml.tokens');
  rejects({ 'tokenizer.ggml.tokens': strArr([]) }, 'tokenizer.ggml.tokens');
  rejects({ 'tokenizer.ggml.tokens': f32(new Float32Array(n)) }, 'tokenizer.ggml.tokens');
  // a piece so long that trying its splits would hang
  rejects({ 'tokenizer.ggml.tokens': tokensWith(300, 'a'.repeat(20000)) }, 'tokenizer.ggml.tokens');
  rejects(
    { 'tokenizer.ggml.bos_token_id': { type: GgufValueType.STRING, value: '1' } },
    'tokenizer.ggml.bos_token_id',
  );
  rejects(
    { 'tokenizer.ggml.add_space_prefix': { type: GgufValueType.UINT32, value: 1 } },
    'tokenizer.ggml.add_space_prefix',
  );
  // ids outside the vocabulary (stories260K's separator/padding are 0xFFFFFFFF) are dropped
  const ok = hfJsonFromGguf(
    withMeta(g, { 'tokenizer.ggml.eos_token_id': { type: GgufValueType.UINT32, value: 0xffffffff } }),
  );
  assert.equal(ok?.config.eos_token, undefined);
  assert.equal(ok?.config.pad_token, undefined);
});
