// The browser build, end to end: scripts/bundle-browser.mjs bundles src/browser/index.ts (and
// refuses Node modules, naming the import chain); a page served from 127.0.0.1 imports the bundle
// in headless Chromium (Debian's `chromium`, driven by playwright-core), fetches stories260K.gguf,
// greedy-decodes llama.cpp's golden 64 tokens on the JS backend, and trains the demo net with
// decreasing loss and the same losses as Node.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { JsBackend } from '../backend/js/index.js';
import { REPO_ROOT, sharedPath, skipUnlessShared } from '../testing/shared.js';
import { trainDemo } from './demo.js';

const CHROMIUM = '/usr/bin/chromium';
const SCRIPT = join(REPO_ROOT, 'scripts', 'bundle-browser.mjs');
const MODEL = ['golden', 'models', 'stories260K.gguf'];
const GOLDEN = ['golden', 'goldens', 'stories260K.json'];
const skipChromium = existsSync(CHROMIUM)
  ? false
  : `Chromium is absent (${CHROMIUM}): apt-get update && apt-get install -y chromium`;

function bundle(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>llmts browser test</title></head><body>
<script type="module">
import * as llmts from '/llmts.js';
window.llmts = llmts;
</script>
</body></html>`;

interface GoldenPrompt {
  prompt_ids: number[];
  n_greedy: number;
  greedy_ids: number[];
  greedy_text: string;
}

test('the bundle refuses Node modules and names the import chain', () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmts-bundle-'));
  try {
    const entry = join(dir, 'entry.ts');
    const fsNode = join(REPO_ROOT, 'src', 'models', 'fs-node.js');
    writeFileSync(entry, `export { nodeFs } from ${JSON.stringify(fsNode)};\n`);
    const r = bundle(['--entry', entry, '--outfile', join(dir, 'out.js')]);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /Node module "node:fs" in the browser bundle: .*entry\.ts → src\/models\/fs-node\.ts/,
    );
    assert.ok(!existsSync(join(dir, 'out.js')), 'no output written');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('llmts in headless Chromium', { skip: skipChromium }, () => {
  let dir: string;
  let server: Server;
  let url: string;
  let ctx: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'llmts-browser-'));
    const out = join(dir, 'llmts.js');
    const r = bundle(['--outfile', out]);
    if (r.status !== 0) throw new Error(`bundle-browser failed:\n${r.stdout}${r.stderr}`);
    const modelPath = sharedPath(...MODEL);
    const files: Record<string, () => { type: string; body: Uint8Array | string }> = {
      '/': () => ({ type: 'text/html; charset=utf-8', body: PAGE }),
      '/llmts.js': () => ({ type: 'text/javascript; charset=utf-8', body: readFileSync(out) }),
      '/llmts.js.map': () => ({ type: 'application/json', body: readFileSync(`${out}.map`) }),
      '/models/garbage.gguf': () => ({ type: 'application/octet-stream', body: 'not a model file at all' }),
    };
    if (modelPath !== undefined)
      files['/models/stories260K.gguf'] = () => ({
        type: 'application/octet-stream',
        body: readFileSync(modelPath),
      });
    server = createServer((req, res) => {
      const f = req.method === 'GET' ? files[req.url ?? ''] : undefined;
      if (f === undefined) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const { type, body } = f();
      res.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(body) }).end(body);
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    ctx = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = ctx.pages()[0] ?? (await ctx.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      // 404s are expected (the missing-model check); anything else logged as an error is not.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) pageErrors.push(m.text());
    });
    await page.goto(url);
    await page
      .waitForFunction('window.llmts !== undefined', undefined, { timeout: 15_000 })
      .catch((e: unknown) => {
        throw new Error(`the bundle did not load: ${pageErrors.join('; ') || String(e)}`);
      });
  });

  after(async () => {
    await ctx?.close();
    await new Promise((ok) => (server ? server.close(ok) : ok(undefined)));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the page runs the bundle as a browser (no Node globals)', async () => {
    const r = await page.evaluate(`(async () => {
      const auto = await window.llmts.createBackend();
      const out = {
        process: typeof process,
        require: typeof require,
        exports: Object.keys(window.llmts).sort(),
        auto: auto.name,
      };
      auto.dispose();
      return out;
    })()`);
    const got = r as { process: string; require: string; exports: string[]; auto: string };
    assert.equal(got.process, 'undefined');
    assert.equal(got.require, 'undefined');
    assert.equal(got.auto, 'js', 'createBackend falls back to the JS backend in a page');
    for (const name of ['JsBackend', 'loadModel', 'fetchModel', 'generate', 'tokenizerFromHfJson', 'Trainer'])
      assert.ok(got.exports.includes(name), `exports ${name}`);
    assert.deepEqual(pageErrors, []);
  });

  test('bad input fails with typed errors in the page', async () => {
    const r = (await page.evaluate(`(async () => {
      const { JsBackend, fetchModel } = window.llmts;
      const backend = new JsBackend();
      const out = [];
      for (const u of ['/models/missing.gguf', '/models/garbage.gguf']) {
        try { await fetchModel(u, { backend }); out.push('loaded'); }
        catch (e) { out.push(e.name + ':' + e.code); }
      }
      try { await fetchModel('/models/garbage.gguf', { backend, maxBytes: 4 }); out.push('loaded'); }
      catch (e) { out.push(e.name + ':' + e.code); }
      backend.dispose();
      return out;
    })()`)) as string[];
    assert.deepEqual(r, ['UsageError:usage', 'FormatError:format', 'CapacityError:capacity']);
  });

  test('stories260K from fetch: llama.cpp golden greedy continuation', {
    skip: skipUnlessShared(...MODEL) || skipUnlessShared(...GOLDEN),
  }, async () => {
    const golden = JSON.parse(readFileSync(sharedPath(...GOLDEN)!, 'utf8')) as { prompts: GoldenPrompt[] };
    const p = golden.prompts[0]!;
    assert.deepEqual(p.prompt_ids, [1, 403, 407, 261, 378]);
    assert.equal(p.n_greedy, 64);
    const opts = { maxTokens: p.n_greedy, temperature: 0, ignoreEos: true };
    const got = (await page.evaluate(`(async () => {
      const { JsBackend, fetchModel, generateText } = window.llmts;
      const backend = new JsBackend();
      const model = await fetchModel('/models/stories260K.gguf', { backend });
      try {
        const r = await generateText(model, ${JSON.stringify(p.prompt_ids)}, ${JSON.stringify(opts)});
        return { tokens: r.tokens, text: r.text, arch: model.info.arch, vocab: model.info.vocabSize };
      } finally {
        model.dispose();
        backend.dispose();
      }
    })()`)) as { tokens: number[]; text: string; arch: string; vocab: number };
    assert.equal(got.arch, 'llama');
    assert.equal(got.vocab, 512);
    assert.deepEqual(got.tokens, p.greedy_ids);
    assert.equal(got.text, p.greedy_text);
    assert.deepEqual(pageErrors, []);
  });

  test('the demo trains a tiny llama net: loss decreases, same losses as Node', async () => {
    const got = (await page.evaluate(`(() => {
      const { JsBackend, trainDemo } = window.llmts;
      const backend = new JsBackend();
      try {
        return trainDemo({ backend, steps: 3 }).losses;
      } finally {
        backend.dispose();
      }
    })()`)) as number[];
    assert.equal(got.length, 3);
    for (let i = 1; i < got.length; i++) assert.ok(got[i]! < got[i - 1]!, `losses ${got.join(', ')}`);
    const backend = new JsBackend();
    try {
      const ref = trainDemo({ backend, steps: 3 }).losses;
      // Same code on another V8 build: bit-identical today; allow last-bit Math.exp/log drift.
      for (let i = 0; i < 3; i++)
        assert.ok(Math.abs(got[i]! - ref[i]!) <= 1e-6 * Math.abs(ref[i]!), `browser ${got} vs node ${ref}`);
    } finally {
      backend.dispose();
    }
    assert.deepEqual(pageErrors, []);
  });
});
