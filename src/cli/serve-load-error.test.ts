// `llmts serve` with a model file that fails to load: the server must not keep listening with no
// model — it closes the listener and exits 1 with the loader's typed error (a hostile file).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(
  new URL(import.meta.url.endsWith('.ts') ? './bin.ts' : './bin.js', import.meta.url),
);
const dir = mkdtempSync(join(tmpdir(), 'llmts-serve-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('serve exits 1 naming the file when its model cannot be loaded', () => {
  const bad = join(dir, 'broken.gguf');
  // A GGUF header claiming 2^40 tensors in a 32-byte file.
  const b = Buffer.alloc(32);
  b.write('GGUF', 0, 'latin1');
  b.writeUInt32LE(3, 4);
  b.writeBigUInt64LE(1n << 40n, 8);
  writeFileSync(bad, b);
  const execArgv = process.execArgv.filter((a) => !/^--(test|experimental-test)/.test(a));
  const r = spawnSync(
    process.execPath,
    [...execArgv, MAIN, 'serve', '-m', bad, '--port', '0', '--backend', 'js'],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  assert.equal(r.signal, null, 'the server kept running (killed by the timeout)');
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /broken\.gguf|tensor/i);
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace');
});

test('in process, a failed load leaves no listening socket behind', { timeout: 30_000 }, async () => {
  const bad = join(dir, 'broken2.gguf');
  writeFileSync(bad, Buffer.from('GGUF\x03\x00\x00\x00', 'latin1'));
  const servers = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
  const before = servers();
  const { main } = await import('./main.js');
  const write = process.stderr.write.bind(process.stderr);
  let stderr = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stderr.write;
  let code: number;
  try {
    code = await main(['serve', '-m', bad, '--port', '0', '--backend', 'js']);
  } finally {
    process.stderr.write = write;
  }
  assert.equal(code, 1, stderr);
  // The closed listener's handle is released asynchronously: give it up to 2 s.
  for (let i = 0; i < 40 && servers() > before; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(servers(), before, `the HTTP listener is still open: ${stderr}`);
});
