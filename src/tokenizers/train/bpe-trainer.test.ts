// The trainer reproduces the cs336 reference (vocab 500 + <|endoftext|> on corpus.en) exactly,
// and its tokenizer.json loads back here and encodes like the merges say.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ConfigError } from '../../errors.js';
import { sharedPath, skipUnlessShared } from '../../testing/shared.js';
import { tokenizerFromHfJson } from '../hf-json.js';
import { BpeTrainer, mergesText, toTokenizerJson } from './bpe-trainer.js';

const REF = ['data', 'tokenizers', 'bpe-train-reference'] as const;

test('reproduces the BPE training reference (merges and vocab)', { skip: skipUnlessShared(...REF) }, () => {
  const trainer = new BpeTrainer({ vocabSize: 500, specialTokens: ['<|endoftext|>'] });
  trainer.addText(readFileSync(sharedPath(...REF, 'corpus.en')!, 'utf8'));
  const r = trainer.train();
  const want = readFileSync(sharedPath(...REF, 'train-bpe-reference-merges.txt')!, 'utf8').trimEnd();
  assert.equal(mergesText(r), want);
  const json = toTokenizerJson(r);
  const wantVocab = JSON.parse(readFileSync(sharedPath(...REF, 'train-bpe-reference-vocab.json')!, 'utf8'));
  assert.deepEqual((json.model as { vocab: unknown }).vocab, wantVocab);
  // the tokenizer.json loads and round-trips
  const tok = tokenizerFromHfJson(JSON.parse(JSON.stringify(json)));
  assert.equal(tok.vocabSize, 500);
  const text = readFileSync(sharedPath(...REF, 'tinystories_sample.txt')!, 'utf8');
  const ids = tok.encode(text, { allowSpecial: true });
  assert.equal(tok.decode(ids), text);
  assert.deepEqual(tok.encode('a<|endoftext|>', { allowSpecial: true }).slice(-1), [0]);
});

test('streams give the same result as whole texts', async () => {
  const text = 'the cat<|endoftext|>the hat sat on the mat<|endoftext|> that cat sat\n\n  the end';
  const a = new BpeTrainer({ vocabSize: 270, specialTokens: ['<|endoftext|>'] });
  a.addText(text);
  const b = new BpeTrainer({ vocabSize: 270, specialTokens: ['<|endoftext|>'] });
  const bytes = new TextEncoder().encode(text);
  const chunks = [bytes.subarray(0, 7), bytes.subarray(7, 30), bytes.subarray(30)];
  await b.addStream(chunks);
  assert.deepEqual(b.train().merges, a.train().merges);
});

test('trainer options are validated', () => {
  assert.throws(() => new BpeTrainer({ vocabSize: 100 }), ConfigError);
  assert.throws(() => new BpeTrainer({ vocabSize: 256.5 }), ConfigError);
});
