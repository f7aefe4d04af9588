// `llmts train` end to end (child process): --arch runs a preset's recipe in the other
// architecture family, and bad --arch values are usage errors naming the flag.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const js = fileURLToPath(new URL('../bin.js', import.meta.url));
const MAIN = existsSync(js) ? js : fileURLToPath(new URL('../bin.ts', import.meta.url));

function run(args: string[]): { code: number; err: string } {
  const r = spawnSync(process.execPath, [...process.execArgv, MAIN, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, err: r.stderr };
}

test('train --arch llama --preset nanogpt-shakespeare-char trains a LLaMA of the same shape', () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmts-train-cli-'));
  try {
    const data = join(dir, 'text.txt');
    writeFileSync(data, 'To be, or not to be, that is the question.\n'.repeat(200));
    const out = join(dir, 'run');
    const common = [
      '--preset',
      'nanogpt-shakespeare-char',
      '--data',
      data,
      '--max-steps',
      '2',
      '--eval-batches',
      '1',
    ];
    const r = run(['train', '--arch', 'llama', ...common, '--out', out, '--threads', '1', '--quiet']);
    assert.equal(r.code, 0, r.err);
    const net = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).recipe.net;
    assert.equal(net.arch, 'llama');
    assert.deepEqual([net.dim, net.nLayer, net.nHead, net.contextLength], [128, 4, 4, 64]);
    assert.ok(existsSync(join(out, 'model.gguf')));
    const bad = run(['train', '--arch', 'rwkv', ...common, '--out', join(dir, 'bad'), '--quiet']);
    assert.equal(bad.code === 0, false);
    assert.match(bad.err, /--arch must be gpt2 or llama/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
