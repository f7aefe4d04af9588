// `llmts quantize` end to end through the CLI entry point.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { sharedPath, skipUnlessShared } from '../../testing/shared.js';
import { main } from '../main.js';

const dir = mkdtempSync(join(tmpdir(), 'llmts-cli-quantize-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('llmts quantize --pure q8_0 writes the golden file; bad flags exit 2', {
  skip: skipUnlessShared('golden', 'models', 'tiny-llama-q8_0.gguf'),
}, async () => {
  const input = sharedPath('golden', 'models', 'tiny-llama-f32.gguf')!;
  const out = join(dir, 'q8.gguf');
  assert.equal(await main(['quantize', input, out, '--type', 'q8_0', '--pure']), 0);
  assert.ok(
    Buffer.from(readFileSync(out)).equals(
      readFileSync(sharedPath('golden', 'models', 'tiny-llama-q8_0.gguf')!),
    ),
  );
  assert.equal(await main(['quantize', input, out, '--type', 'q8_0']), 2); // exists, no --force
  assert.equal(await main(['quantize', input, join(dir, 'b.gguf'), '--type', 'q9_9']), 2);
  assert.equal(existsSync(join(dir, 'b.gguf')), false);
  assert.equal(await main(['quantize', join(dir, 'missing.gguf'), join(dir, 'c.gguf'), '--type', 'q8_0']), 2);
});
