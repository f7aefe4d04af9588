// `llmts logits` end to end (in process through main()): the JSON output reproduces llama.cpp's
// golden top-10 lists and last-position logits for stories260K; user mistakes exit 2 with one line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readGolden } from '../../models/golden-node.js';
import { sharedPath, skipUnlessShared } from '../../testing/shared.js';
import { main } from '../main.js';
import { parseTokenList, runLogits, topK } from './logits.js';

/** Runs main() with stderr captured (stdout is the test reporter's channel: left alone). */
async function run(args: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const w2 = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((s: string | Uint8Array) => {
    err += String(s);
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await main(args), err };
  } finally {
    process.stderr.write = w2;
  }
}

const MODEL = ['golden', 'models', 'stories260K.gguf'];
const GOLDEN = ['golden', 'goldens', 'stories260K.json'];

test('logits --json matches the stories260K golden', {
  skip: skipUnlessShared(...MODEL) || skipUnlessShared(...GOLDEN),
}, async () => {
  const p = readGolden(sharedPath(...GOLDEN)!).prompts[0]!;
  let out = '';
  const opts = {
    model: sharedPath(...MODEL)!,
    promptTokens: p.prompt_ids.join(','),
    top: '10',
    json: true,
    backend: 'js',
  };
  await runLogits(opts, (s) => {
    out += s;
  });
  const j = JSON.parse(out) as { tokens: number[]; top: [number, number][][]; last_logits: number[] };
  assert.deepEqual(j.tokens, p.prompt_ids);
  assert.equal(j.top.length, p.prompt_ids.length);
  j.top.forEach((row, t) => {
    assert.deepEqual(
      row.map(([id]) => id),
      p.prompt_top10[t]!.map(([id]) => id),
    );
    row.forEach(([, v], i) => {
      assert.ok(Math.abs(v - p.prompt_top10[t]![i]![1]) < 5e-5);
    });
  });
  assert.equal(j.last_logits.length, 512);
  j.last_logits.forEach((v, i) => {
    assert.ok(Math.abs(v - p.last_logits[i]!) < 5e-5);
  });
});

test('user mistakes: exit code 2 and a one-line message', { skip: skipUnlessShared(...MODEL) }, async () => {
  const m = sharedPath(...MODEL)!;
  for (const args of [
    ['logits', '-m', m, '--prompt-tokens', '1,x', '--backend', 'js'],
    ['logits', '-m', m, '--prompt-tokens', '1,99999', '--backend', 'js'],
    ['logits', '-m', m, '--prompt-tokens', '1', '--top', '0', '--backend', 'js'],
    ['logits', '-m', m, '--backend', 'js'],
    ['logits', '-m', '/nonexistent/model.gguf', '--prompt-tokens', '1'],
  ]) {
    const r = await run(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.match(r.err, /^llmts: /);
  }
});

test('topK: descending, ties to the lower id; token lists parse strictly', () => {
  const x = Float32Array.from([0.5, 2, 2, -1, 3, 0.5]);
  assert.deepEqual(topK(x, 0, 6, 4), [4, 1, 2, 0]);
  assert.deepEqual(topK(x, 1, 5, 2), [3, 0]);
  assert.deepEqual(parseTokenList('1, 2,3'), [1, 2, 3]);
  assert.throws(() => parseTokenList('1,,2'));
  assert.throws(() => parseTokenList('-1'));
});
