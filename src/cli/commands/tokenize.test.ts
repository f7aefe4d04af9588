// `llmts tokenize` and `llmts train-tokenizer` end to end (child process, real stdin/stdout).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sharedPath, skipUnlessShared } from '../../testing/shared.js';
import { unescapeLine } from './tokenize.js';

const js = fileURLToPath(new URL('../bin.js', import.meta.url));
const MAIN = existsSync(js) ? js : fileURLToPath(new URL('../bin.ts', import.meta.url));

function run(args: string[], input = ''): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [...process.execArgv, MAIN, ...args], { input, encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const SPM = ['data', 'tokenizers', 'llama2c', 'tokenizer.model'] as const;

test('unescapeLine decodes \\n \\r \\t \\\\ only', () => {
  assert.equal(unescapeLine('a\\nb\\tc\\\\n\\r\\x'), 'a\nb\tc\\n\r\\x');
});

test('tokenize: argument, --json, --lines, --special, --bos/--no-bos', {
  skip: skipUnlessShared(...SPM),
}, () => {
  const tok = sharedPath(...SPM)!;
  const j = run(['tokenize', '--tokenizer', tok, '--json', 'Hello world']);
  assert.equal(j.code, 0, j.err);
  assert.deepEqual(JSON.parse(j.out), { ids: [1, 15043, 3186] });
  const plain = run(['tokenize', '--tokenizer', tok, 'Hello']);
  assert.match(plain.out, /15043 -> " Hello"/);
  const lines = run(
    ['tokenize', '--tokenizer', tok, '--lines', '--no-bos', '--special'],
    'Hello\\nworld\n<s>x\n',
  );
  assert.equal(lines.code, 0, lines.err);
  const objs = lines.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { ids: number[] });
  assert.equal(objs.length, 2);
  assert.ok(objs[0]!.ids.includes(13)); // <0x0A>: the escaped newline
  assert.equal(objs[1]!.ids[0], 1); // <s> allowed by --special
  const noSpecial = run(['tokenize', '--tokenizer', tok, '--json', '--no-bos', '<s>']);
  assert.ok(!(JSON.parse(noSpecial.out) as { ids: number[] }).ids.includes(1));
  const stdin = run(['tokenize', '--tokenizer', tok, '--json'], 'Hello world');
  assert.deepEqual(JSON.parse(stdin.out), { ids: [1, 15043, 3186] });
});

test('tokenize: missing or unknown tokenizer file is a usage error', () => {
  const r = run(['tokenize', '--tokenizer', '/no/such/file.json', 'x']);
  assert.equal(r.code, 2);
  assert.match(r.err, /not found/);
  const dir = mkdtempSync(join(tmpdir(), 'llmts-tok-'));
  try {
    const r2 = run(['tokenize', '--tokenizer', join(dir), 'x']);
    assert.equal(r2.code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('train-tokenizer writes a tokenizer.json that tokenize loads', {
  skip: skipUnlessShared('data', 'tokenizers', 'bpe-train-reference'),
}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmts-train-'));
  try {
    const out = join(dir, 'tokenizer.json');
    const corpus = sharedPath('data', 'tokenizers', 'bpe-train-reference', 'corpus.en')!;
    const r = run([
      'train-tokenizer',
      '--vocab-size',
      '300',
      '--special',
      '<|endoftext|>',
      '--out',
      out,
      corpus,
    ]);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(readFileSync(out, 'utf8')) as { model: { merges: unknown[] } };
    assert.equal(j.model.merges.length, 300 - 257);
    const t = run(['tokenize', '--tokenizer', out, '--json', '--special', 'the<|endoftext|>']);
    assert.equal(t.code, 0, t.err);
    const ids = (JSON.parse(t.out) as { ids: number[] }).ids;
    assert.equal(ids[ids.length - 1], 0);
    const bad = run(['train-tokenizer', '--vocab-size', 'x', '--out', out, corpus]);
    assert.equal(bad.code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
