// tokenizer.json (Llama-3, Qwen) against llama.cpp's llama-bpe / qwen2 expectations, GPT-2's
// encoder.json against gpt-2's, special-token rules both ways, and malformed files.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { FormatError, UnsupportedError } from '../errors.js';
import { sharedPath, skipUnlessShared } from '../testing/shared.js';
import type { BaseTokenizer } from './base.js';
import { tokenizerFromHfJson } from './hf-json.js';
import { loadTokenizer } from './load-node.js';
import { parseSentencePiece } from './sentencepiece.js';
import { readVocabCases } from './testdata-node.js';

const T = ['data', 'tokenizers'] as const;

function checkCases(tok: BaseTokenizer, vocab: string): number {
  let n = 0;
  for (const sub of ['llama.cpp-vocab', 'llama.cpp-vocab/newer-inp-out']) {
    const cases = readVocabCases(vocab, sub);
    assert.ok(cases !== undefined, `${sub}/${vocab} cases missing`);
    for (const c of cases) {
      assert.deepEqual(
        tok.encode(c.text, { addSpecial: false }),
        c.ids,
        `${vocab} ${JSON.stringify(c.text)}`,
      );
      n++;
    }
  }
  return n;
}

test('Llama-3 tokenizer.json matches llama-bpe', {
  skip: skipUnlessShared(...T, 'llama3', 'tokenizer.json'),
}, () => {
  const tok = loadTokenizer(sharedPath(...T, 'llama3', 'tokenizer.json')!);
  assert.ok(checkCases(tok, 'llama-bpe') >= 46);
  assert.equal(tok.vocabSize, 128256);
  assert.ok(tok.chatTemplate !== undefined && tok.chatTemplate.length > 0);
  // special tokens: text unless allowed
  const s = '<|begin_of_text|>hi<|eot_id|>';
  const plain = tok.encode(s, { addSpecial: false });
  assert.ok(!plain.includes(128000) && !plain.includes(128009));
  assert.equal(tok.decode(plain), s);
  const allowed = tok.encode(s, { addSpecial: false, allowSpecial: true });
  assert.deepEqual([allowed[0], allowed[allowed.length - 1]], [128000, 128009]);
  assert.equal(tok.decode(allowed), s);
  assert.equal(tok.decode(allowed, { skipSpecial: true }), 'hi');
  const onlyEot = tok.encode(s, { addSpecial: false, allowSpecial: new Set(['<|eot_id|>']) });
  assert.ok(!onlyEot.includes(128000) && onlyEot.includes(128009));
  assert.ok(tok.eogIds.has(128009));
  assert.ok(tok.isSpecial(128009) && !tok.isSpecial(100));
});

test('Qwen tokenizer.json matches qwen2', { skip: skipUnlessShared(...T, 'qwen3', 'tokenizer.json') }, () => {
  const tok = loadTokenizer(sharedPath(...T, 'qwen3', 'tokenizer.json')!);
  assert.ok(checkCases(tok, 'qwen2') >= 46);
  assert.equal(tok.addBos, false);
  const im = tok.tokenToId('<|im_start|>')!;
  assert.ok(!tok.encode('<|im_start|>user', { addSpecial: false }).includes(im));
  assert.equal(tok.encode('<|im_start|>user', { addSpecial: false, allowSpecial: 'all' })[0], im);
  // added tokens with special=false (e.g. <tool_call>) are always matched, as in HF tokenizers
  const tc = tok.tokenToId('<tool_call>')!;
  assert.deepEqual(tok.encode('<tool_call>', { addSpecial: false }), [tc]);
  assert.ok(tok.eogIds.has(tok.tokenToId('<|im_end|>')!));
});

test('GPT-2 encoder.json + vocab.bpe matches gpt-2', {
  skip: skipUnlessShared(...T, 'gpt2', 'encoder.json'),
}, () => {
  const tok = loadTokenizer(sharedPath(...T, 'gpt2', 'encoder.json')!);
  assert.ok(checkCases(tok, 'gpt-2') >= 46);
  assert.equal(tok.vocabSize, 50257);
  assert.deepEqual(tok.encode('<|endoftext|>', { allowSpecial: true }), [50256]);
  assert.notDeepEqual(tok.encode('<|endoftext|>'), [50256]);
  assert.equal(tok.decode(tok.encode('<|endoftext|>')), '<|endoftext|>');
});

const tiny = () => ({
  model: { type: 'BPE', vocab: { a: 0, b: 1, ab: 2 }, merges: ['a b'] },
  pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false },
  decoder: { type: 'ByteLevel' },
  added_tokens: [{ id: 3, content: '<x>', special: true }],
});

test('a minimal tokenizer.json loads; merges as strings or pairs give the same result', () => {
  const t1 = tokenizerFromHfJson(tiny());
  const j = tiny();
  (j.model as { merges: unknown }).merges = [['a', 'b']];
  const t2 = tokenizerFromHfJson(j);
  assert.deepEqual(t1.encode('abab'), [2, 2]);
  assert.deepEqual(t2.encode('abab'), [2, 2]);
  assert.deepEqual(t1.encode('ab<x>', { allowSpecial: true }), [2, 3]);
  assert.deepEqual(t1.encode('ab<x>ba'), [2, 1, 0]); // '<', 'x', '>' are not in the vocab: dropped bytes
});

test('malformed tokenizer.json -> FormatError naming the field and the file', () => {
  const cases: [(j: ReturnType<typeof tiny>) => unknown, string][] = [
    [(j) => ({ ...j, model: 5 }), 'model'],
    [(j) => ({ ...j, model: { ...j.model, vocab: [] } }), 'model.vocab'],
    [(j) => ({ ...j, model: { ...j.model, vocab: { a: -1 } } }), 'model.vocab["a"]'],
    [(j) => ({ ...j, model: { ...j.model, vocab: { a: 1.5 } } }), 'model.vocab["a"]'],
    [(j) => ({ ...j, model: { ...j.model, merges: ['ab'] } }), 'model.merges[0]'],
    [(j) => ({ ...j, model: { ...j.model, merges: [[1, 2]] } }), 'model.merges[0]'],
    [(j) => ({ ...j, model: { ...j.model, merges: 'a b' } }), 'model.merges'],
    [(j) => ({ ...j, added_tokens: [{ id: 'x', content: 'y' }] }), 'added_tokens[0].id'],
    [(j) => ({ ...j, added_tokens: [{ id: 9, content: 3 }] }), 'added_tokens[0].content'],
    [
      (j) => ({ ...j, pre_tokenizer: { type: 'Split', pattern: { Regex: '(' }, behavior: 'Isolated' } }),
      'pattern',
    ],
    [(j) => ({ ...j, normalizer: { type: 'Prepend' } }), 'normalizer.prepend'],
  ];
  for (const [mutate, field] of cases) {
    assert.throws(
      () => tokenizerFromHfJson(mutate(tiny()), undefined, 'bad/tokenizer.json'),
      (e: unknown) => {
        assert.ok(e instanceof FormatError, `${field}: ${String(e)}`);
        assert.equal(e.field, field);
        if (field !== 'pattern') assert.equal(e.file, 'bad/tokenizer.json');
        return true;
      },
    );
  }
  assert.throws(
    () => tokenizerFromHfJson({ ...tiny(), model: { type: 'Unigram', vocab: [] } }),
    UnsupportedError,
  );
  assert.throws(() => tokenizerFromHfJson(null), FormatError);
});

test('SentencePiece-style tokenizer.json (built from LLaMA-2 tokenizer.model as HF converts it) matches llama-spm', {
  skip: skipUnlessShared(...T, 'llama2c', 'tokenizer.model'),
}, () => {
  const { pieces } = parseSentencePiece(
    new Uint8Array(readFileSync(sharedPath(...T, 'llama2c', 'tokenizer.model')!)),
  );
  const vocab: Record<string, number> = {};
  pieces.forEach((p, i) => {
    vocab[p.piece] = i;
  });
  // transformers' SentencePieceExtractor: every split of a piece into two pieces, by piece score
  const merges: [string, string, number][] = [];
  pieces.forEach((p, i) => {
    const local: [string, string, number][] = [];
    for (let k = 1; k < p.piece.length; k++) {
      const l = p.piece.slice(0, k);
      const r = p.piece.slice(k);
      if (l in vocab && r in vocab) local.push([l, r, i]);
    }
    local.sort((a, b) => vocab[a[0]]! - vocab[b[0]]! || vocab[a[1]]! - vocab[b[1]]!);
    merges.push(...local);
  });
  merges.sort((a, b) => pieces[b[2]]!.score - pieces[a[2]]!.score);
  const json = {
    added_tokens: [
      { id: 0, content: '<unk>', special: true },
      { id: 1, content: '<s>', special: true },
      { id: 2, content: '</s>', special: true },
    ],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: '▁' },
        { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
      ],
    },
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
    },
    decoder: {
      type: 'Sequence',
      decoders: [{ type: 'Replace' }, { type: 'ByteFallback' }, { type: 'Fuse' }, { type: 'Strip' }],
    },
    model: {
      type: 'BPE',
      byte_fallback: true,
      unk_token: '<unk>',
      vocab,
      merges: merges.map(([a, b]) => [a, b]),
    },
  };
  const tok = tokenizerFromHfJson(json);
  assert.ok(checkCases(tok, 'llama-spm') >= 46);
  assert.equal(tok.bosId, 1);
  assert.equal(tok.decode(tok.encode('Hello  world'), { skipSpecial: true }), 'Hello  world');
  // the same with a Metaspace pre-tokenizer (split=false, prepend_scheme 'always') instead
  const meta = tokenizerFromHfJson({
    ...json,
    normalizer: null,
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: false },
  });
  assert.ok(checkCases(meta, 'llama-spm') >= 46);
});
