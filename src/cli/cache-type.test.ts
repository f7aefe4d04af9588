// `--cache-type f32|q8_0` on generate, chat, eval and serve: unknown values are usage errors
// (exit 2) listing the valid ones, before any model is loaded; `generate --cache-type q8_0`
// gives the greedy tokens of a q8_0-cache session of the model API, and `eval --cache-type q8_0`
// the perplexity of perplexity({ cacheType: 'q8_0' }) (which differs from the f32 one); a model
// whose head size is not a multiple of 32 fails with a message naming it (generate; serve at
// startup).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { JsBackend } from '../backend/js/index.js';
import { UsageError } from '../errors.js';
import { perplexity } from '../generate/perplexity.js';
import { argmax, readGolden } from '../models/golden-node.js';
import { loadModel } from '../models/loader.js';
import { sharedPath, skipUnlessShared } from '../testing/shared.js';
import { parseCacheType } from './cache-type.js';

const MAIN = fileURLToPath(
  new URL(import.meta.url.endsWith('.ts') ? './bin.ts' : './bin.js', import.meta.url),
);

function llmts(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const execArgv = process.execArgv.filter((a) => !/^--(test|experimental-test)/.test(a));
  const r = spawnSync(process.execPath, [...execArgv, MAIN, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function runInProcess(args: string[]): Promise<{ code: number; stderr: string }> {
  const { main } = await import('./main.js');
  const write = process.stderr.write.bind(process.stderr);
  let stderr = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await main(args), stderr };
  } finally {
    process.stderr.write = write;
  }
}

test('parseCacheType accepts f32 and q8_0 and names the valid values otherwise', () => {
  assert.equal(parseCacheType(undefined), undefined);
  assert.equal(parseCacheType('f32'), 'f32');
  assert.equal(parseCacheType('q8_0'), 'q8_0');
  for (const bad of ['q4_0', 'Q8_0', 'f16', '']) {
    assert.throws(
      () => parseCacheType(bad),
      (e: unknown) =>
        e instanceof UsageError && e.field === '--cache-type' && e.message.includes('one of f32, q8_0'),
    );
  }
});

describe('--cache-type on the commands', () => {
  for (const cmd of [
    ['generate', '-m', 'no-such.gguf', 'hi'],
    ['chat', '-m', 'no-such.gguf'],
    ['eval', '-m', 'no-such.gguf', '--text', 'no-such.txt'],
    ['serve', '-m', 'no-such.gguf', '--port', '0'],
  ]) {
    it(`${cmd[0]} --cache-type q4_0 is a usage error listing f32, q8_0`, async () => {
      const r = await runInProcess([...cmd, '--cache-type', 'q4_0']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /--cache-type must be one of f32, q8_0, got "q4_0"/);
    });
  }

  const KQ = ['golden', 'models', 'tiny-kquant-f32.gguf'];
  const KQG = ['golden', 'goldens', 'tiny-kquant-f32.json'];
  it('generate --cache-type q8_0 gives the greedy tokens of a q8_0 session', {
    skip: skipUnlessShared(...KQ) || skipUnlessShared(...KQG),
  }, async () => {
    const prompt = readGolden(sharedPath(...KQG)!).prompts[0]!.prompt_ids;
    const n = 12;
    const m = await loadModel(sharedPath(...KQ)!, { backend: new JsBackend() });
    const want: number[] = [];
    try {
      const s = m.newSession({ contextLength: prompt.length + n + 1, cacheType: 'q8_0' });
      let logits = s.forward(prompt, 'last');
      for (let i = 0; i < n; i++) {
        want.push(argmax(logits));
        logits = s.forward([want[i]!], 'last');
      }
      s.dispose();
    } finally {
      m.dispose();
    }
    const args = ['generate', '-m', sharedPath(...KQ)!, '--backend', 'js', '--temp', '0', '-n', String(n)];
    const r = llmts([
      ...args,
      '--ignore-eos',
      '--prompt-tokens',
      prompt.join(','),
      '--json',
      '--cache-type',
      'q8_0',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).tokens, want);
  });

  const TEXT = ['golden', 'perplexity', 'tinystories_sample.txt'];
  it('eval --cache-type q8_0 gives the perplexity of a q8_0 cache (not the f32 one)', {
    skip: skipUnlessShared(...KQ) || skipUnlessShared(...TEXT),
  }, async () => {
    // A short excerpt (a few 32-token chunks) keeps the four JS-backend runs fast.
    const dir = mkdtempSync(join(tmpdir(), 'llmts-cache-type-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const text = join(dir, 'sample.txt');
    writeFileSync(text, readFileSync(sharedPath(...TEXT)!, 'utf8').slice(0, 300));
    const m = await loadModel(sharedPath(...KQ)!, { backend: new JsBackend() });
    let q8: number;
    let f32: number;
    try {
      const ids = m.tokenizer!.encode(readFileSync(text, 'utf8'));
      q8 = (await perplexity(m, ids, { contextLength: 32, cacheType: 'q8_0' })).perplexity;
      f32 = (await perplexity(m, ids, { contextLength: 32 })).perplexity;
    } finally {
      m.dispose();
    }
    assert.notEqual(q8, f32);
    const args = [
      'eval',
      '-m',
      sharedPath(...KQ)!,
      '--text',
      text,
      '--ctx',
      '32',
      '--backend',
      'js',
      '--json',
    ];
    for (const [flag, want] of [
      [['--cache-type', 'q8_0'], q8],
      [[], f32],
    ] as const) {
      const r = llmts([...args, ...flag]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).perplexity, want, `eval ${flag.join(' ')}`);
    }
  });

  const ST = ['golden', 'models', 'stories260K.gguf'];
  it('generate --cache-type q8_0 on stories260K (head size 8) names the head size', {
    skip: skipUnlessShared(...ST),
  }, () => {
    const r = llmts([
      'generate',
      '-m',
      sharedPath(...ST)!,
      '--backend',
      'js',
      '-n',
      '2',
      'Once',
      '--cache-type',
      'q8_0',
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /cacheType q8_0 needs a head size that is a multiple of 32; this model's head size is 8/,
    );
  });

  it('serve --cache-type q8_0 on stories260K fails at startup (closes the listener, exit 1)', {
    skip: skipUnlessShared(...ST),
  }, () => {
    const r = llmts([
      'serve',
      '-m',
      sharedPath(...ST)!,
      '--backend',
      'js',
      '--port',
      '0',
      '--cache-type',
      'q8_0',
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /this model's head size is 8/);
  });
});
