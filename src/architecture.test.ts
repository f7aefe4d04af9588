// Rules of the house, checked on the source tree: core modules import no `node:` module (so the
// library runs in browsers), dependencies flow one way, and no file grows past 800 lines.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from './testing/shared.js';

const SRC = join(REPO_ROOT, 'src');

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(relative(SRC, p));
  }
  return out;
}

const ALL = files(SRC);
const isTest = (f: string) => f.endsWith('.test.ts');
const isNodeOnly = (f: string) =>
  /-node\.ts$/.test(f) || /(^|\/)node\//.test(f) || /^(cli|server|bench|testing)\//.test(f);

function imports(f: string): string[] {
  const text = readFileSync(join(SRC, f), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)['"]([^'"]+)['"]/g)) out.push(m[1]!);
  return out;
}

test('core modules import no node: module', () => {
  const bad = ALL.filter((f) => !isTest(f) && !isNodeOnly(f)).filter((f) =>
    imports(f).some((i) => i.startsWith('node:')),
  );
  assert.deepEqual(
    bad,
    [],
    `core files importing node: modules (rename to *-node.ts or move): ${bad.join(', ')}`,
  );
});

test('dependencies flow one way', () => {
  const violations: string[] = [];
  for (const f of ALL.filter((x) => !isTest(x))) {
    const top = f.split('/')[0]!;
    for (const i of imports(f)) {
      if (!i.startsWith('.')) continue;
      const target = relative(SRC, join(SRC, f, '..', i));
      const tTop = target.split('/')[0]!;
      if (tTop === top) continue;
      if ((tTop === 'cli' || tTop === 'server') && !['cli', 'server', 'bench'].includes(top))
        violations.push(`${f} → ${target}`);
      if (top === 'models' && /^backend\/(js|wasm)\//.test(target))
        violations.push(`${f} → ${target} (models use the Backend interface)`);
      if ((top === 'nn' || top === 'autograd') && tTop === 'models' && !target.endsWith('causal-lm.js')) {
        violations.push(`${f} → ${target} (nn/autograd never import a model)`);
      }
      if (
        (top === 'io' || top === 'quant' || top === 'tensor') &&
        ['models', 'nn', 'generate', 'train', 'jobs'].includes(tTop)
      ) {
        violations.push(`${f} → ${target} (low layers never import upward)`);
      }
    }
  }
  assert.deepEqual(violations, []);
});

test('no source file is over 800 lines', () => {
  const big = ALL.map((f) => [f, readFileSync(join(SRC, f), 'utf8').split('\n').length] as const).filter(
    ([, n]) => n > 800,
  );
  assert.deepEqual(big, []);
});
