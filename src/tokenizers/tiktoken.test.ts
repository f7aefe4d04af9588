// tiktoken encodings against js-tiktoken (the npm port of OpenAI's tiktoken) on ~1 MB of text.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import o200k from 'js-tiktoken/ranks/o200k_base';
import p50k from 'js-tiktoken/ranks/p50k_base';
import r50k from 'js-tiktoken/ranks/r50k_base';
import { FormatError } from '../errors.js';
import { sharedPath, skipUnlessShared } from '../testing/shared.js';
import { loadTokenizer } from './load-node.js';
import { parseTiktokenRanks } from './tiktoken.js';

const TT = ['data', 'tokenizers', 'tiktoken'] as const;
const shakespeare = ['data', 'corpora', 'tinyshakespeare', 'input.txt'] as const;

function corpus(): string {
  const en = readFileSync(sharedPath(...shakespeare)!, 'utf8').slice(0, 900_000);
  const zhPath = sharedPath('data', 'corpora', 'chinese-poetry', '全唐诗', 'poet.tang.0.json');
  assert.ok(zhPath !== undefined, 'Chinese sample missing');
  const zh = readFileSync(zhPath, 'utf8').slice(0, 100_000);
  // plus some tricky pieces: contractions, digits, whitespace runs, emoji, special-token text
  const tricky = "I'LL don't 12345678 \t\n\n  x   \r\n 😀👍🏽 naïve <|endoftext|> <|fim_prefix|> ''s";
  return `${en}\n${zh}\n${tricky}`;
}

for (const [name, ranks] of [
  ['cl100k_base', cl100k],
  ['o200k_base', o200k],
  ['r50k_base', r50k],
  ['p50k_base', p50k],
] as const) {
  test(`${name}: identical ids to js-tiktoken on ~1 MB`, {
    skip: skipUnlessShared(...TT, `${name}.tiktoken`) || skipUnlessShared(...shakespeare),
  }, () => {
    const ours = loadTokenizer(sharedPath(...TT, `${name}.tiktoken`)!);
    const ref = new Tiktoken(ranks);
    const text = name === 'r50k_base' || name === 'p50k_base' ? corpus().slice(-200_000) : corpus();
    const a = ours.encode(text);
    const b = ref.encode(text, [], []);
    assert.equal(a.length, b.length);
    assert.deepEqual(a, b);
    assert.equal(ours.decode(a), text);
    // special tokens both ways
    assert.deepEqual(
      ours.encode('<|endoftext|>', { allowSpecial: true }),
      ref.encode('<|endoftext|>', 'all'),
    );
    assert.deepEqual(ours.encode('<|endoftext|>'), ref.encode('<|endoftext|>', [], []));
  });
}

test('malformed .tiktoken -> FormatError naming the line', () => {
  assert.throws(
    () => parseTiktokenRanks('IQ== 0\nIg== x\n', 'bad.tiktoken'),
    (e: unknown) => e instanceof FormatError && e.field === 'line 2' && e.file === 'bad.tiktoken',
  );
  assert.throws(() => parseTiktokenRanks('I*Q== 0\n', 'bad.tiktoken'), FormatError);
  assert.throws(() => parseTiktokenRanks('IQ== 0\nIg== 0\n', 'bad.tiktoken'), /duplicate rank/);
  assert.throws(() => parseTiktokenRanks('', 'bad.tiktoken'), FormatError);
});

// Near-linear time on pathological runs, measured in CPU time (the machine is shared by parallel
// jobs, so wall time is meaningless). A run of 2^20 units ('中' is 3 MB of UTF-8) takes ~0.5-0.9 s
// CPU here: the absolute bound (3 s) is loose, and the doubling ratio is what catches quadratic
// behaviour (it would be ~4); it is taken over the sum of all runs so GC jitter on one short run
// cannot trip it.
test('cl100k / o200k: 1 MB runs of one character class encode in near-linear CPU time', {
  skip: skipUnlessShared(...TT, 'o200k_base.tiktoken'),
}, () => {
  const cpuMs = (f: () => void): number => {
    const c0 = process.cpuUsage();
    f();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000;
  };
  let half = 0;
  let full = 0;
  for (const name of ['cl100k_base', 'o200k_base']) {
    const tok = loadTokenizer(sharedPath(...TT, `${name}.tiktoken`)!);
    for (const unit of ['a', '_', ' ', '\n', '7', '中', 'A', ' a', "'s", '\u0301']) {
      const n = (1 << 19) / unit.length;
      const small = unit.repeat(n);
      const s = unit.repeat(2 * n);
      let ids: number[] = [];
      half += cpuMs(() => tok.encode(small));
      const ms = cpuMs(() => {
        ids = tok.encode(s);
      });
      full += ms;
      assert.ok(ms < 3000, `${name} ${JSON.stringify(unit)}: ${ms.toFixed(0)} ms CPU for 2^20 units`);
      assert.equal(tok.decode(ids), s);
    }
  }
  assert.ok(full / half < 3, `doubling the input took ${(full / half).toFixed(2)}x the CPU time`);
});
