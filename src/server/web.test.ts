// The chat page in headless Chromium (Debian's `chromium`, driven by playwright-core): it loads,
// lists the model, streams a reply, and the Stop button cancels the generation on the server.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { metric, type Running, ScriptedModel, startServer } from './test-support.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM)
  ? false
  : `Chromium is absent (${CHROMIUM}): apt-get update && apt-get install -y chromium`;

/** Polls (the page's CSP forbids the eval that waitForFunction with a string would need). */
async function until(cond: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('chat page in headless Chromium', { skip }, () => {
  let srv: Running;
  let profile: string;
  const words = 'Hello from the scripted model. '.repeat(20);
  before(async () => {
    const script = Array.from(new TextEncoder().encode(`\u0002${words}`));
    srv = await startServer(
      [{ id: 'scripted', model: new ScriptedModel(script, 1024), chatTemplate: 'plain' }],
      {
        apiKeys: ['sk-page'],
        stepDelayMs: 15,
      },
    );
    profile = mkdtempSync(join(tmpdir(), 'llmts-chromium-'));
  });
  after(async () => {
    await srv?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  test('load, send, see streamed text, stop', async () => {
    const ctx = await chromium.launchPersistentContext(profile, {
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
    try {
      const page = ctx.pages()[0] ?? (await ctx.newPage());
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(srv.url);
      // The key unlocks the API; the model list fills in.
      await page.fill('#apikey', 'sk-page');
      await page.dispatchEvent('#apikey', 'change');
      await page.locator('#model option').first().waitFor({ state: 'attached' });
      assert.equal(await page.inputValue('#model'), 'scripted');
      await page.fill('#max_tokens', '600');
      await page.fill('#input', 'Say hello');
      await page.click('#send');
      await until(async () => ((await page.textContent('.msg.assistant')) ?? '').length >= 20);
      const partial = (await page.textContent('.msg.assistant')) ?? '';
      assert.ok(
        words.startsWith(partial.slice(1, 20)),
        `streamed text: ${JSON.stringify(partial.slice(0, 40))}`,
      );
      assert.equal(
        await metric(srv.url, 'llmts_active_sequences', '', { authorization: 'Bearer sk-page' }),
        1,
      );
      await page.click('#stop');
      await until(async () => (await page.textContent('#status')) === 'stopped');
      const t0 = Date.now();
      while (
        Date.now() - t0 < 3000 &&
        (await metric(srv.url, 'llmts_active_sequences', '', { authorization: 'Bearer sk-page' })) !== 0
      )
        await new Promise((r) => setTimeout(r, 20));
      assert.equal(
        await metric(srv.url, 'llmts_active_sequences', '', { authorization: 'Bearer sk-page' }),
        0,
        'stop cancelled the generation',
      );
      const final = (await page.textContent('.msg.assistant')) ?? '';
      assert.ok(final.length < words.length, 'stopped before the end');
      assert.equal(await page.isEnabled('#send'), true);
      assert.deepEqual(errors, []);
    } finally {
      await ctx.close();
    }
  });
});
