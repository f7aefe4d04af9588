#!/usr/bin/env node
// Bundles the browser entry (src/browser/index.ts) into one ES module for web pages:
// dist/browser/llmts.js (+ .map), platform browser, minified with class names kept (errors report
// `err.name`). The build fails when any `node:` module (or a bare Node builtin) would be pulled
// in, and names the import chain that reaches it. Node-only files reached through a dynamic
// `import()` (the loader's lazy `./fs-node.js`, only used for paths) become stubs that throw when
// imported, and are listed.
// Usage: node scripts/bundle-browser.mjs [--entry FILE] [--outfile FILE] [--no-minify]
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const opts = {
    entry: join(root, 'src', 'browser', 'index.ts'),
    outfile: join(root, 'dist', 'browser', 'llmts.js'),
    minify: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--no-minify') opts.minify = false;
    else if ((a === '--entry' || a === '--outfile') && i + 1 < argv.length) {
      opts[a.slice(2)] = resolve(argv[++i]);
    } else {
      console.error(`bundle-browser: unknown argument ${a}\nusage: ${usage}`);
      process.exit(2);
    }
  }
  return opts;
}
const usage = 'node scripts/bundle-browser.mjs [--entry FILE] [--outfile FILE] [--no-minify]';

/** Repository-relative path for messages (absolute outside the repository). */
function rel(p) {
  if (!isAbsolute(p)) return p;
  const r = relative(root, p);
  return r === '' || r.startsWith('..') ? p : r;
}
const NODE_BUILTINS = new Set(builtinModules.filter((m) => !m.startsWith('_')));

/** Refuses Node modules; stubs Node-only files reached only through a dynamic import(). */
function browserOnly(stubbed) {
  // First importer of each resolved file, to print the chain that reaches a Node module.
  const parent = new Map();
  const chain = (importer) => {
    const out = [];
    const seen = new Set();
    for (let f = importer; f !== undefined && !seen.has(f); f = parent.get(f)) {
      seen.add(f);
      out.unshift(rel(f));
    }
    return out.join(' → ');
  };
  return {
    name: 'llmts-browser-only',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        const bare = args.path.split('/')[0];
        if (args.path.startsWith('node:') || NODE_BUILTINS.has(args.path) || NODE_BUILTINS.has(bare)) {
          return {
            errors: [
              {
                text: `Node module "${args.path}" in the browser bundle: ${chain(args.importer)} → ${args.path}`,
              },
            ],
          };
        }
        if (!(args.path.startsWith('.') || isAbsolute(args.path)) || args.importer === '') return undefined;
        const target = resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts');
        if (!parent.has(target)) parent.set(target, args.importer);
        if (args.kind === 'dynamic-import' && /-node\.(js|ts)$/.test(args.path)) {
          stubbed.push(`${rel(args.importer)} → ${args.path}`);
          return { path: rel(target), namespace: 'node-only-stub' };
        }
        return undefined;
      });
      build.onLoad({ filter: /.*/, namespace: 'node-only-stub' }, (args) => ({
        contents: `throw new Error(${JSON.stringify(
          `llmts: ${args.path} is Node-only and not part of the browser build (pass bytes, not paths)`,
        )});\nexport {};\n`,
        loader: 'js',
      }));
    },
  };
}

/** Builds the bundle; returns { outfile, bytes, gzipBytes, stubbed } or throws. */
export async function bundleBrowser({ entry, outfile, minify }) {
  mkdirSync(dirname(outfile), { recursive: true });
  const stubbed = [];
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify,
    keepNames: true,
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'silent',
    plugins: [browserOnly(stubbed)],
  });
  const bytes = statSync(outfile).size;
  const gzipBytes = gzipSync(readFileSync(outfile)).length;
  return { outfile, bytes, gzipBytes, stubbed };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const opts = parseArgs(process.argv.slice(2));
  try {
    const r = await bundleBrowser(opts);
    const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
    console.log(`bundle-browser: ${rel(r.outfile)} ${kib(r.bytes)} (gzip ${kib(r.gzipBytes)})`);
    for (const s of r.stubbed) console.log(`bundle-browser: Node-only dynamic import stubbed: ${s}`);
  } catch (e) {
    const errors = e?.errors ?? [];
    if (errors.length === 0) console.error(`bundle-browser: ${e?.message ?? e}`);
    for (const err of errors) {
      const loc = err.location ? `${err.location.file}:${err.location.line}: ` : '';
      console.error(`bundle-browser: error: ${loc}${err.text}`);
    }
    process.exit(1);
  }
}
