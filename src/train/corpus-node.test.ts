import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sharedPath, skipUnlessShared } from '../testing/shared.js';
import { expandDataFiles, readDocuments } from './corpus-node.js';

test('JSON and JSONL corpora contribute their text fields', () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmts-corpus-'));
  try {
    writeFileSync(
      join(dir, 'poems.json'),
      JSON.stringify([{ author: 'x', title: '静夜思', paragraphs: ['床前明月光，', '疑是地上霜。'] }]),
    );
    writeFileSync(
      join(dir, 'docs.jsonl'),
      `${JSON.stringify({ text: 'first' })}\n\n${JSON.stringify({ text: 'second' })}\n`,
    );
    writeFileSync(join(dir, 'plain.txt'), 'hello');
    assert.deepEqual(readDocuments(join(dir, 'poems.json')), ['静夜思\n床前明月光，\n疑是地上霜。']);
    assert.deepEqual(readDocuments(join(dir, 'docs.jsonl')), ['first', 'second']);
    assert.deepEqual(readDocuments(join(dir, 'plain.txt')), ['hello']);
    assert.equal(expandDataFiles([dir]).length, 3);
    writeFileSync(join(dir, 'bad.json'), '{ nope');
    assert.throws(() => readDocuments(join(dir, 'bad.json')), /invalid JSON/);
    writeFileSync(join(dir, 'bin.txt'), new Uint8Array([1, 0, 2]));
    assert.throws(() => readDocuments(join(dir, 'bin.txt')), /binary data/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const TANG = ['data', 'corpora', 'chinese-poetry', '全唐诗', 'poet.tang.0.json'];
test('the chinese-poetry corpus yields poems', { skip: skipUnlessShared(...TANG) }, () => {
  const docs = readDocuments(sharedPath(...TANG)!);
  assert.equal(docs.length, 1000);
  assert.ok(docs.every((d) => /[\u4e00-\u9fff]/.test(d)));
});
