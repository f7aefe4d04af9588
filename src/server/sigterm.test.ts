// The real CLI (`node dist/cli/bin.js serve`, built by `npm run build`): SIGTERM drains — new
// requests are refused, the running stream finishes with [DONE], the process exits 0 (SRV-51);
// loopback by default (SRV-01); a loud warning when exposed without a key (SRV-02).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { REPO_ROOT, sharedPath, skipUnlessShared } from '../testing/shared.js';
import { STORIES_PARTS } from './test-support.js';

const MAIN = join(REPO_ROOT, 'dist', 'cli', 'bin.js');
const skip =
  skipUnlessShared(...STORIES_PARTS) ||
  (existsSync(join(REPO_ROOT, 'dist', 'cli', 'commands', 'serve.js'))
    ? false
    : 'dist/ not built: run npm run build');

function serve(args: string[]): {
  child: ChildProcess;
  stderr: () => string;
  ready: Promise<string>;
  exit: Promise<number | null>;
} {
  const child = spawn(
    process.execPath,
    [MAIN, 'serve', '-m', sharedPath(...STORIES_PARTS)!, '--port', '0', '--backend', 'js', ...args],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LLMTS_API_KEY: '' },
    },
  );
  let err = '';
  const ready = new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /ready on (http:\/\/\S+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.on('exit', () => reject(new Error(`serve exited early: ${err}`)));
  });
  ready.catch(() => {});
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, stderr: () => err, ready, exit };
}

describe('llmts serve (CLI process)', { skip }, () => {
  test('SIGTERM drains: the running stream completes, new requests are refused, exit 0', async () => {
    const s = serve(['--ctx', '256', '--drain-timeout', '20']);
    try {
      const url = await s.ready;
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/, 'loopback by default');
      const r = await fetch(`${url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'stories260K',
          prompt: 'Once upon a time',
          max_tokens: 150,
          temperature: 0,
          stream: true,
        }),
      });
      assert.equal(r.status, 200);
      const reader = r.body!.getReader();
      const dec = new TextDecoder();
      let body = dec.decode((await reader.read()).value, { stream: true });
      s.child.kill('SIGTERM');
      await new Promise((res) => setTimeout(res, 100));
      const late = await fetch(`${url}/v1/models`).then(
        (x) => x.status,
        () => 'refused',
      );
      assert.ok(late === 503 || late === 'refused', `new request during drain: ${late}`);
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        body += dec.decode(value, { stream: true });
      }
      assert.ok(body.endsWith('data: [DONE]\n\n'), 'the stream finished');
      assert.match(body, /"finish_reason":"length"/);
      assert.equal(await s.exit, 0);
      assert.match(s.stderr(), /draining/);
    } finally {
      s.child.kill('SIGKILL');
    }
  });

  test('binding a non-loopback host without a key warns loudly', async () => {
    const s = serve(['--host', '0.0.0.0']);
    try {
      await s.ready;
      assert.match(s.stderr(), /WARNING: serving on 0\.0\.0\.0 WITHOUT an API key/);
      s.child.kill('SIGTERM');
      assert.equal(await s.exit, 0);
    } finally {
      s.child.kill('SIGKILL');
    }
  });
});
