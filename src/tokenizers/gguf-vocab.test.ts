// Every llama.cpp vocab case (.inp/.out) and every tokenizer golden, for each GGUF vocab present.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { FormatError } from '../errors.js';
import { openFileSource } from '../io/byte-source-node.js';
import { readGguf } from '../io/gguf/index.js';
import { sharedPath, skipUnlessShared } from '../testing/shared.js';
import type { BaseTokenizer } from './base.js';
import { tokenizerFromGguf } from './gguf-vocab.js';
import { readVocabCases } from './testdata-node.js';

const VOCAB = ['data', 'tokenizers', 'llama.cpp-vocab'] as const;
const vocabDir = sharedPath(...VOCAB);
const names = vocabDir
  ? readdirSync(vocabDir)
      .filter((f) => f.endsWith('.gguf'))
      .map((f) => f.slice('ggml-vocab-'.length, -'.gguf'.length))
  : [];
const goldensPath = sharedPath('golden', 'tokenizer-goldens.json');
const goldens: Record<string, Record<string, number[]>> = goldensPath
  ? JSON.parse(readFileSync(goldensPath, 'utf8'))
  : {};

function load(name: string): BaseTokenizer {
  return tokenizerFromGguf(readGguf(openFileSource(`${vocabDir}/ggml-vocab-${name}.gguf`)));
}

test('llama.cpp vocab folder is present', { skip: skipUnlessShared(...VOCAB) }, () => {
  assert.ok(names.length >= 12, `found ${names.length} vocab files`);
});

for (const name of names) {
  test(`GGUF vocab ${name}: llama.cpp .inp/.out cases and goldens`, () => {
    const tok = load(name);
    let checked = 0;
    for (const sub of ['llama.cpp-vocab', 'llama.cpp-vocab/newer-inp-out']) {
      const cases = readVocabCases(name, sub);
      if (cases === undefined) continue;
      for (const c of cases) {
        assert.deepEqual(
          tok.encode(c.text, { addSpecial: false }),
          c.ids,
          `${sub} ${JSON.stringify(c.text)}`,
        );
        checked++;
      }
    }
    for (const key of [name, `${name}@no-bos`]) {
      const g = goldens[key];
      if (g === undefined) continue;
      for (const [text, ids] of Object.entries(g)) {
        assert.deepEqual(
          tok.encode(text, { addSpecial: !key.endsWith('@no-bos') }),
          ids,
          `${key} ${JSON.stringify(text)}`,
        );
        checked++;
      }
    }
    assert.ok(checked >= 15, `${name}: only ${checked} cases checked`);
  });
}

test('every golden vocabulary has a GGUF here', {
  skip: goldensPath === undefined ? 'goldens absent' : false,
}, () => {
  for (const key of Object.keys(goldens)) assert.ok(names.includes(key.replace('@no-bos', '')), key);
});

test('vocab cases without a .gguf are covered elsewhere or skipped with a reason', () => {
  // llama-bpe and qwen2 run against tokenizer.json in hf-json.test.ts; chameleon, command-r,
  // roberta-bpe and deepseek-r1-qwen have neither a GGUF nor a tokenizer.json in the shared data.
  const noGguf = ['chameleon', 'command-r', 'roberta-bpe', 'deepseek-r1-qwen'];
  for (const n of noGguf) assert.ok(!names.includes(n), `${n} now has a GGUF: add it to the tests`);
});

test('GGUF SPM details: BOS, add_space_prefix, user-defined tokens, decode', {
  skip: skipUnlessShared(...VOCAB),
}, () => {
  const spm = load('llama-spm');
  assert.equal(spm.bosId, 1);
  assert.equal(spm.addBos, true);
  const ids = spm.encode('Hello world');
  assert.equal(ids[0], 1);
  assert.equal(spm.decode(ids, { skipSpecial: true }), 'Hello world');
  assert.equal(spm.decode(ids), '<s> Hello world');
  // '<s>' in text is text unless allowed
  assert.ok(!spm.encode('a<s>b', { addSpecial: false }).includes(1));
  assert.deepEqual(spm.encode('<s>', { addSpecial: false, allowSpecial: true }), [1]);
  // phi-3: '</s>' is USER_DEFINED, so it is matched even when specials are not allowed
  const phi = load('phi-3');
  assert.ok(phi.encode('a</s>b', { addSpecial: false }).includes(2));
  assert.ok(phi.eogIds.has(32007)); // <|end|>
});

test('malformed GGUF tokenizer metadata -> FormatError naming the key', {
  skip: skipUnlessShared(...VOCAB),
}, () => {
  const g = readGguf(openFileSource(`${vocabDir}/ggml-vocab-gpt-2.gguf`));
  const broken = (key: string, value: unknown) => {
    const metadata = new Map(g.metadata);
    if (value === undefined) metadata.delete(key);
    else metadata.set(key, value as never);
    return { ...g, metadata };
  };
  assert.throws(
    () => tokenizerFromGguf(broken('tokenizer.ggml.tokens', undefined)),
    (e: unknown) => e instanceof FormatError && e.field === 'tokenizer.ggml.tokens',
  );
  assert.throws(
    () => tokenizerFromGguf(broken('tokenizer.ggml.merges', { type: 8, value: 'x' })),
    (e: unknown) => e instanceof FormatError && e.field === 'tokenizer.ggml.merges',
  );
  assert.throws(
    () => tokenizerFromGguf(broken('tokenizer.ggml.pre', { type: 8, value: 'no-such-pre' })),
    (e: unknown) => e instanceof Error && (e as FormatError).field === 'tokenizer.ggml.pre',
  );
});
