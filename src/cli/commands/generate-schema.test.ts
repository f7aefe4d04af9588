// `llmts generate --json-schema` with a schema the grammar cannot enforce: a one-line error naming
// the keyword and its schema path.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sharedPath, skipUnlessShared } from '../../testing/shared.js';

const MODEL = ['golden', 'models', 'stories260K.gguf'];

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

describe('llmts generate --json-schema refusals', { skip: skipUnlessShared(...MODEL) }, () => {
  it('unenforced keywords and $ref loops: one-line errors naming the keyword', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'llmts-schema-refuse-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const cases: [unknown, RegExp][] = [
      [{ type: 'string', format: 'email' }, /"format" at \/format/],
      [{ type: 'object', properties: { n: { type: 'number', multipleOf: 3 } } }, /"multipleOf"/],
      [{ $ref: '#' }, /refers to itself/],
    ];
    for (const [i, [schema, re]] of cases.entries()) {
      const file = join(dir, `schema-${i}.json`);
      writeFileSync(file, JSON.stringify(schema));
      const r = await runInProcess(['generate', '-m', sharedPath(...MODEL)!, '--json-schema', file, 'x']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  });
});
