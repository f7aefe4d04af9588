// SentencePiece-style BPE tokenizer.json ('▁' spaces, optional byte fallback and merges) converts
// to a GGUF 'llama' vocabulary that tokenizes like the tokenizer.json: same ids on every test
// string, same decoded text. (Before, every BPE tokenizer.json was written as a byte-level 'gpt2'
// vocabulary, which dropped the spaces of SentencePiece-style ones.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openFileSource } from '../io/byte-source-node.js';
import { getString } from '../io/gguf/getters.js';
import { readGguf } from '../io/gguf/index.js';
import { tokenizerFromGguf } from '../tokenizers/gguf-vocab.js';
import { tokenizerFromHfJson } from '../tokenizers/hf-json.js';
import { ggufMetaFromHfJson } from './convert-tokenizer.js';

const MODEL = fileURLToPath(new URL('../../models/default/model.gguf', import.meta.url));

function added(id: number, content: string) {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

/** A character vocabulary in nanoGPT's style (sorted characters of a text), '▁' for space. */
function charTokenizer(text: string) {
  const vocab: Record<string, number> = { '<unk>': 0 };
  for (const c of [...new Set(text)].sort()) vocab[c === ' ' ? '\u2581' : c] = Object.keys(vocab).length;
  const eot = Object.keys(vocab).length;
  vocab['<|endoftext|>'] = eot;
  return {
    version: '1.0',
    added_tokens: [added(0, '<unk>'), added(eot, '<|endoftext|>')],
    normalizer: { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' },
    pre_tokenizer: null,
    decoder: { type: 'Replace', pattern: { String: '\u2581' }, content: ' ' },
    model: { type: 'BPE', unk_token: '<unk>', byte_fallback: false, vocab, merges: [] },
  };
}

/** A Llama-2-like tokenizer.json: Metaspace, byte fallback, a few merges. */
function spmBpeTokenizer() {
  const vocab: Record<string, number> = { '<unk>': 0, '<s>': 1, '</s>': 2 };
  for (let b = 0; b < 256; b++) vocab[`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`] = 3 + b;
  for (const t of ['\u2581', 't', 'h', 'e', 'm', 'o', 'n', '\u2581t', 'he', '\u2581the', 'em', '\u2581them'])
    vocab[t] = Object.keys(vocab).length;
  return {
    version: '1.0',
    added_tokens: [added(0, '<unk>'), added(1, '<s>'), added(2, '</s>')],
    normalizer: null,
    pre_tokenizer: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'first', split: false },
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '\u2581' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: {
      type: 'BPE',
      unk_token: '<unk>',
      byte_fallback: true,
      vocab,
      merges: ['\u2581 t', 'h e', '\u2581t he', 'e m', '\u2581the m'],
    },
  };
}

function viaGguf(json: unknown, config: unknown) {
  const base = readGguf(openFileSource(MODEL));
  const metadata = new Map([...base.metadata].filter(([k]) => !k.startsWith('tokenizer.')));
  for (const [k, v] of ggufMetaFromHfJson(json, config, 'tokenizer.json')) metadata.set(k, v);
  const g = { ...base, metadata };
  assert.equal(getString(g, 'tokenizer.ggml.model'), 'llama');
  return tokenizerFromGguf(g);
}

test('a character tokenizer.json becomes a GGUF llama vocabulary that encodes the same ids', () => {
  const text = 'First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll: Speak, speak!';
  const json = charTokenizer(text);
  const config = { eos_token: '<|endoftext|>', unk_token: '<unk>', add_bos_token: false };
  const hf = tokenizerFromHfJson(json, config);
  const gg = viaGguf(json, config);
  for (const s of [text, ' leading space', 'two  spaces\n', 'Speak!', 'x']) {
    const a = hf.encode(s);
    assert.deepEqual(gg.encode(s), a, JSON.stringify(s));
    assert.equal(gg.decode(a), hf.decode(a), JSON.stringify(s));
  }
  assert.equal(hf.decode(hf.encode(text)), text);
  assert.equal(gg.eosId, hf.eosId);
});

test('a SentencePiece-style BPE tokenizer.json with merges and byte fallback converts faithfully', () => {
  const json = spmBpeTokenizer();
  const config = { bos_token: '<s>', eos_token: '</s>', add_bos_token: false };
  const hf = tokenizerFromHfJson(json, config);
  const gg = viaGguf(json, config);
  for (const s of ['the them', 'them the then', 'hello ü', 'th e']) {
    assert.deepEqual(gg.encode(s), hf.encode(s), JSON.stringify(s));
    assert.equal(gg.decode(hf.encode(s)), hf.decode(hf.encode(s)), JSON.stringify(s));
  }
});
