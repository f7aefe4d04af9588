#!/usr/bin/env node
// Builds everything a fresh clone needs: the AssemblyScript kernels (two WASM builds: portable
// SIMD128 and relaxed SIMD) and the TypeScript sources. Run by `npm install` (prepare) and `npm test`.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outKernels = join(root, 'dist', 'kernels');

function newest(dir) {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`build: ${cmd} ${args.join(' ')} failed`);
    process.exit(r.status ?? 1);
  }
}

function buildKernels() {
  const asc = join(root, 'node_modules', 'assemblyscript', 'bin', 'asc.js');
  const entry = join(root, 'kernels', 'index.ts');
  if (!existsSync(entry)) return;
  if (!existsSync(asc)) {
    if (existsSync(join(outKernels, 'llmts-simd.wasm'))) return; // prebuilt (published package)
    console.error('build: assemblyscript is not installed; run npm install');
    process.exit(1);
  }
  mkdirSync(outKernels, { recursive: true });
  const srcTime = newest(join(root, 'kernels'));
  const common = [
    entry,
    '--runtime',
    'stub',
    '--importMemory',
    '--sharedMemory',
    '--initialMemory',
    '16',
    '--maximumMemory',
    '65536',
    '-O3',
    '--noAssert',
    '--enable',
    'simd',
    '--enable',
    'threads',
  ];
  for (const [name, extra] of [
    ['llmts-simd', []],
    ['llmts-relaxed', ['--enable', 'relaxed-simd']],
  ]) {
    const out = join(outKernels, `${name}.wasm`);
    if (existsSync(out) && statSync(out).mtimeMs > srcTime) continue;
    run(process.execPath, [asc, ...common, ...extra, '-o', out]);
  }
}

buildKernels();
run(process.execPath, [
  join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
  '-p',
  join(root, 'tsconfig.json'),
]);
// The CLI entry must be executable (npx and npm link run it directly).
const bin = join(root, 'dist', 'cli', 'bin.js');
if (existsSync(bin)) chmodSync(bin, 0o755);
// The single-file browser bundle (dist/browser/llmts.js), when esbuild is installed.
if (existsSync(join(root, 'node_modules', 'esbuild'))) {
  run(process.execPath, [join(root, 'scripts', 'bundle-browser.mjs')]);
}
