// The truncated vocabularies of the golden models (GGUF metadata): llama.cpp's prompt ids.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { openFileSource } from '../io/byte-source-node.js';
import { readGguf } from '../io/gguf/index.js';
import { sharedPath, skipUnlessShared } from '../testing/shared.js';
import { tokenizerFromGguf } from './gguf-vocab.js';

const dir = sharedPath('golden', 'goldens');
const files = dir ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];

interface Golden {
  model_file: string;
  prompts: { name: string; source_text: string; prompt_ids: number[] }[];
}

test('golden model folder is present', { skip: skipUnlessShared('golden', 'goldens') }, () => {
  assert.ok(files.length >= 10);
});

for (const f of files) {
  test(`${f}: encode(source_text) gives llama.cpp's prompt ids`, () => {
    const g = JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')) as Golden;
    const model = sharedPath('golden', 'models', g.model_file);
    assert.ok(model !== undefined, `${g.model_file} missing`);
    const tok = tokenizerFromGguf(readGguf(openFileSource(model)));
    assert.ok(g.prompts.length > 0);
    for (const p of g.prompts) {
      assert.deepEqual(tok.encode(p.source_text), p.prompt_ids, `${f} ${p.name}`);
      // A space that SentencePiece had to spell with byte tokens (<0xE2><0x96><0x81>) decodes to
      // a literal '▁', as in llama.cpp.
      assert.equal(tok.decode(p.prompt_ids, { skipSpecial: true }).replace(/\u2581/g, ' '), p.source_text);
    }
  });
}
