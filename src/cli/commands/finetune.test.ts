// `llmts finetune --method reward|ppo|distill` end to end (child process) on stories260K.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sharedPath, skipUnlessShared } from '../../testing/shared.js';

const js = fileURLToPath(new URL('../bin.js', import.meta.url));
const MAIN = existsSync(js) ? js : fileURLToPath(new URL('../bin.ts', import.meta.url));
const MODEL = ['golden', 'models', 'stories260K.gguf'] as const;

function run(args: string[]): { code: number; err: string } {
  const r = spawnSync(process.execPath, [...process.execArgv, MAIN, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, err: r.stderr };
}

test('finetune --method reward → ppo --reward-model → distill --teacher', {
  skip: skipUnlessShared(...MODEL),
}, () => {
  const model = sharedPath(...MODEL)!;
  const dir = mkdtempSync(join(tmpdir(), 'llmts-ft-cli-'));
  try {
    const pairs = join(dir, 'pairs.json');
    writeFileSync(
      pairs,
      JSON.stringify(
        Array.from({ length: 10 }, (_, i) => ({
          prompt: `Tell a story ${i}`,
          chosen: 'Once upon a time',
          rejected: 'no',
        })),
      ),
    );
    const common = ['-m', model, '--data', pairs, '--template', 'plain', '--backend', 'js', '--quiet'];
    const rm = join(dir, 'rm');
    const r1 = run([
      'finetune',
      '--method',
      'reward',
      ...common,
      '--out',
      rm,
      '--max-steps',
      '2',
      '--batch-size',
      '4',
      '--block-size',
      '32',
    ]);
    assert.equal(r1.code, 0, r1.err);
    assert.ok(existsSync(join(rm, 'heads.safetensors')));
    const ppo = join(dir, 'ppo');
    const r2 = run([
      'finetune',
      '--method',
      'ppo',
      ...common,
      '--out',
      ppo,
      '--reward-model',
      rm,
      '--max-steps',
      '2',
      '--batch-size',
      '2',
      '--max-new',
      '4',
      '--kl-coef',
      '0.1',
    ]);
    assert.equal(r2.code, 0, r2.err);
    const m = JSON.parse(readFileSync(join(ppo, 'metrics.jsonl'), 'utf8').split('\n')[0]!) as Record<
      string,
      unknown
    >;
    assert.ok(typeof m.reward === 'number' && typeof m.kl === 'number' && typeof m.clip_frac === 'number');
    const run2 = JSON.parse(readFileSync(join(ppo, 'run.json'), 'utf8')) as { finetune: { klCoef: number } };
    assert.equal(run2.finetune.klCoef, 0.1);
    const sft = join(dir, 'sft.json');
    writeFileSync(
      sft,
      JSON.stringify([{ instruction: 'Tell a story', output: 'Once upon a time there was a cat.' }]),
    );
    const r3 = run([
      'finetune',
      '--method',
      'distill',
      ...common,
      '--data',
      sft,
      '--out',
      join(dir, 'd'),
      '--teacher',
      join(rm, 'model.gguf'),
      '--max-steps',
      '1',
      '--batch-size',
      '1',
      '--block-size',
      '8',
      '--alpha',
      '0.7',
      '--temperature',
      '2',
    ]);
    assert.equal(r3.code, 0, r3.err);
    const bad = run(['finetune', '--method', 'ppo', ...common, '--out', join(dir, 'x')]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.err, /exactly one of --reward-model DIR or --reward FUNCTION/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
