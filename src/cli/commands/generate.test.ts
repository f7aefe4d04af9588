// End-to-end tests of `llmts generate`, `llmts chat` and `llmts eval` on stories260K against
// llama.cpp's goldens, run as child processes of the CLI entry point.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sharedPath, skipUnlessShared } from '../../testing/shared.js';

const MAIN = fileURLToPath(
  new URL(import.meta.url.endsWith('.ts') ? '../bin.ts' : '../bin.js', import.meta.url),
);
const MODEL = ['golden', 'models', 'stories260K.gguf'];
const GOLDEN = ['golden', 'goldens', 'stories260K.json'];
const PPL = ['golden', 'perplexity', 'stories260K-perplexity.json'];
const TEXT = ['golden', 'perplexity', 'tinystories_sample.txt'];
const skip = skipUnlessShared(...MODEL) || skipUnlessShared(...GOLDEN);

function llmts(args: string[], input?: string) {
  // Keep loader flags (tsx in development), drop the test runner's own flags.
  const execArgv = process.execArgv.filter((a) => !/^--(test|experimental-test)/.test(a));
  const r = spawnSync(process.execPath, [...execArgv, MAIN, ...args], {
    input,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function runInProcess(args: string[]): Promise<{ code: number; stderr: string }> {
  const { main } = await import('../main.js');
  const write = process.stderr.write.bind(process.stderr);
  let stderr = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, stderr };
  } finally {
    process.stderr.write = write;
  }
}

function golden() {
  return JSON.parse(readFileSync(sharedPath(...GOLDEN)!, 'utf8')).prompts[0] as {
    prompt_ids: number[];
    greedy_ids: number[];
    greedy_text: string;
  };
}

describe('llmts generate', { skip }, () => {
  const model = sharedPath(...MODEL)!;

  it('--prompt-tokens --temp 0 -n 64 --json gives the golden tokens and text', () => {
    const g = golden();
    const r = llmts([
      'generate',
      '-m',
      model,
      '--temp',
      '0',
      '-n',
      '64',
      '--prompt-tokens',
      g.prompt_ids.join(','),
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.tokens, g.greedy_ids);
    assert.equal(out.text, g.greedy_text);
    assert.equal(out.finish_reason, 'length');
    assert.ok(out.timings.tokens_per_second > 0);
  });

  it('the text prompt "Once upon a time" streams the golden text; tokens/s on stderr', () => {
    const g = golden();
    const r = llmts(['generate', '-m', model, '--temp', '0', '-n', '64', 'Once upon a time']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${g.greedy_text}\n`);
    assert.match(r.stderr, /tok\/s/);
  });

  it('speculative decoding (draft = the same model) gives the same greedy tokens', () => {
    const g = golden();
    const r = llmts([
      'generate',
      '-m',
      model,
      '--draft',
      model,
      '--temp',
      '0',
      '-n',
      '32',
      '--prompt-tokens',
      g.prompt_ids.join(','),
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.tokens, g.greedy_ids.slice(0, 32));
    assert.equal(out.speculative.acceptanceRate, 1);
  });

  it('--logit-bias and --stop', () => {
    const g = golden();
    const ids = g.prompt_ids.join(',');
    const r = llmts([
      'generate',
      '-m',
      model,
      '--temp',
      '0',
      '-n',
      '3',
      '--prompt-tokens',
      ids,
      '--logit-bias',
      '99+100',
      '--logit-bias',
      `${g.greedy_ids[1]}-inf`,
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).tokens, [99, 99, 99]);
    const s = llmts([
      'generate',
      '-m',
      model,
      '--temp',
      '0',
      '-n',
      '64',
      '--prompt-tokens',
      ids,
      '--stop',
      'Lily',
      '--json',
    ]);
    const out = JSON.parse(s.stdout);
    assert.equal(out.finish_reason, 'stop');
    assert.equal(out.text, g.greedy_text.slice(0, g.greedy_text.indexOf('Lily')));
  });

  it('--json-schema output parses and validates', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'llmts-schema-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'schema.json');
    writeFileSync(
      file,
      JSON.stringify({
        type: 'object',
        properties: { name: { type: 'string', maxLength: 10 }, age: { type: 'integer' } },
        required: ['name', 'age'],
        additionalProperties: false,
      }),
    );
    const r = llmts([
      'generate',
      '-m',
      model,
      '--json-schema',
      file,
      '--seed',
      '3',
      '-n',
      '120',
      '--json',
      'Once upon a time',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const v = JSON.parse(JSON.parse(r.stdout).text);
    assert.equal(typeof v.name, 'string');
    assert.ok(Number.isInteger(v.age));
  });

  it('bad input: one-line errors and non-zero exits', async () => {
    const cases: [string[], RegExp][] = [
      [['generate', '-m', model, '--bogus'], /unknown option/],
      [['generate', '-m', '/nonexistent/model.gguf', 'x'], /model not found/],
      [['generate', '-m', model, '--prompt-tokens', '1,x'], /--prompt-tokens/],
      [['generate', '-m', model, '--prompt-tokens', '1,99999'], /outside the vocabulary/],
      [['generate', '-m', model, '--temp', 'hot', 'x'], /--temp/],
      [['generate', '-m', model, '--ctx', '4', 'Once upon a time there was'], /does not fit the context/],
      [['generate', '-m', model, '--json-schema', '/nonexistent.json', 'x'], /--json-schema/],
      [['generate', '-m', model, '--system', 'be nice', 'x'], /no chat template/],
      [['generate', '-m', model, '--logit-bias', '5*2', 'x'], /--logit-bias/],
      [['eval', '-m', model], /--text/],
      [['eval', '-m', model, '--text', '/nonexistent.txt'], /cannot read --text/],
      [['chat', '-m', model, '--top-p', '7'], /--top-p/],
    ];
    // In-process (fast): main() returns the exit code; stderr is captured.
    for (const [args, re] of cases) {
      const r = await runInProcess(args);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, re, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  });
});

describe('llmts chat', { skip }, () => {
  it('two turns, /reset, /exit through piped stdin', () => {
    const input = 'Once upon a time\\\nthere was\nLily went\n/reset\nTom said\n/exit\nnever read\n';
    const r = llmts(
      ['chat', '-m', sharedPath(...MODEL)!, '--chat-template', 'plain', '--temp', '0', '-n', '12'],
      input,
    );
    assert.equal(r.code, 0, r.stderr);
    const replies = r.stdout.split('\n').filter((l) => l.length > 0);
    assert.equal(replies.length, 3, r.stdout);
    assert.match(r.stderr, /conversation reset/);
    // After /reset the reply is the same as a fresh one-turn chat with that message.
    const fresh = llmts(
      ['chat', '-m', sharedPath(...MODEL)!, '--chat-template', 'plain', '--temp', '0', '-n', '12'],
      'Tom said\n',
    );
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.equal(replies[2], fresh.stdout.trim());
  });
});

describe('llmts eval', { skip: skip || skipUnlessShared(...PPL) }, () => {
  it('--ctx 128 --json is within 1% of llama-perplexity', () => {
    const g = JSON.parse(readFileSync(sharedPath(...PPL)!, 'utf8')).runs[0] as {
      n_ctx: number;
      final_ppl: number;
    };
    const r = llmts([
      'eval',
      '-m',
      sharedPath(...MODEL)!,
      '--text',
      sharedPath(...TEXT)!,
      '--ctx',
      String(g.n_ctx),
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.tokens, 1883);
    assert.equal(out.ctx, 128);
    assert.ok(Math.abs(out.perplexity / g.final_ppl - 1) < 0.01, `${out.perplexity} vs ${g.final_ppl}`);
  });
});
