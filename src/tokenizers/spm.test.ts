// SentencePiece .model and llama2.c tokenizer.bin against llama.cpp's llama-spm expectations.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { FormatError } from '../errors.js';
import { sharedPath, skipUnlessShared } from '../testing/shared.js';
import { loadTokenizer } from './load-node.js';
import { tokenizerFromLlama2c, tokenizerFromSentencePiece } from './sentencepiece.js';
import { readVocabCases } from './testdata-node.js';

const L2 = ['data', 'tokenizers', 'llama2c'] as const;

for (const file of ['tokenizer.model', 'tokenizer.bin']) {
  test(`LLaMA-2 ${file} matches llama-spm`, { skip: skipUnlessShared(...L2, file) }, () => {
    const tok = loadTokenizer(sharedPath(...L2, file)!);
    assert.equal(tok.vocabSize, 32000);
    assert.deepEqual([tok.bosId, tok.eosId, tok.addBos], [1, 2, true]);
    let n = 0;
    for (const sub of ['llama.cpp-vocab', 'llama.cpp-vocab/newer-inp-out']) {
      for (const c of readVocabCases('llama-spm', sub) ?? []) {
        assert.deepEqual(tok.encode(c.text, { addSpecial: false }), c.ids, JSON.stringify(c.text));
        n++;
      }
    }
    assert.ok(n >= 46);
    // golden README: "Hello world, this is a test." with BOS (full vocab: compare to the GGUF)
    const g = JSON.parse(readFileSync(sharedPath('golden', 'tokenizer-goldens.json')!, 'utf8'))['llama-spm'];
    for (const [text, ids] of Object.entries(g as Record<string, number[]>))
      assert.deepEqual(tok.encode(text), ids);
  });
}

test('stories260K tok512.bin: "Once upon a time" -> [1, 403, 407, 261, 378]', {
  skip: skipUnlessShared('data', 'models', 'stories260K', 'tok512.bin'),
}, () => {
  const tok = loadTokenizer(sharedPath('data', 'models', 'stories260K', 'tok512.bin')!);
  assert.deepEqual(tok.encode('Once upon a time'), [1, 403, 407, 261, 378]);
  assert.equal(tok.decode([1, 403, 407, 261, 378], { skipSpecial: true }), 'Once upon a time');
});

test('byte fallback and streaming never split a character', {
  skip: skipUnlessShared(...L2, 'tokenizer.model'),
}, () => {
  const tok = loadTokenizer(sharedPath(...L2, 'tokenizer.model')!);
  const s = '𝔘𝔫𝔦 龘 é';
  const ids = tok.encode(s, { addSpecial: false });
  assert.ok(
    ids.some((i) => tok.idToToken(i)!.startsWith('<0x')),
    'expected byte-fallback tokens',
  );
  const d = tok.createDecoder();
  let out = '';
  for (const id of ids) {
    const part = d.push(id);
    assert.ok(!part.includes('\uFFFD'), `split character in ${JSON.stringify(part)}`);
    out += part;
  }
  out += d.flush();
  assert.equal(out, s);
});

test('malformed .model / tokenizer.bin -> FormatError', {
  skip: skipUnlessShared(...L2, 'tokenizer.model'),
}, () => {
  const buf = new Uint8Array(readFileSync(sharedPath(...L2, 'tokenizer.model')!));
  for (const cut of [1, 7, 100, 5000]) {
    assert.throws(() => tokenizerFromSentencePiece(buf.subarray(0, cut), 'x.model'), FormatError);
  }
  assert.throws(
    () => tokenizerFromSentencePiece(Uint8Array.of(0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f), 'x.model'),
    FormatError,
  );
  const bin = new Uint8Array(readFileSync(sharedPath(...L2, 'tokenizer.bin')!));
  assert.throws(() => tokenizerFromLlama2c(bin.subarray(0, 10), 'x.bin'), FormatError);
  const bad = bin.slice(0, 64);
  new DataView(bad.buffer).setInt32(8, 1 << 30, true);
  assert.throws(
    () => tokenizerFromLlama2c(bad, 'x.bin'),
    (e: unknown) => e instanceof FormatError && e.file === 'x.bin',
  );
});
