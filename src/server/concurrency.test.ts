// Continuous batching and lifecycle under load (SRV-43, 45, 46, 48, 55): overlapping requests
// share forward steps (seen in /metrics) and each still equals the same request run alone;
// a client that disconnects frees its slot at once; a full queue answers 429 with Retry-After.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateText } from '../generate/generate.js';
import type { CausalLM } from '../models/causal-lm.js';
import { skipUnlessShared } from '../testing/shared.js';
import {
  isOpenAiError,
  loadStories,
  metric,
  postJson,
  type Running,
  ScriptedModel,
  STORIES_PARTS,
  startServer,
} from './test-support.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => Promise<boolean>, ms = 3000): Promise<boolean> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (await cond()) return true;
    await sleep(20);
  }
  return false;
}

describe('server batching with stories260K', { skip: skipUnlessShared(...STORIES_PARTS) }, () => {
  let srv: Running;
  let model: CausalLM;
  before(async () => {
    model = await loadStories();
    srv = await startServer([{ id: 'stories', model }], { parallel: 4 });
  });
  after(() => srv?.close());

  test('overlapping requests are batched and each equals its solo greedy run', async () => {
    const prompts = ['Once upon a time', 'Lily and Ben', 'The cat sat', 'One day, a little'];
    const before = await metric(srv.url, 'llmts_batched_decode_steps_total');
    let worstHealthMs = 0;
    let running = true;
    const probe = (async () => {
      while (running) {
        const t0 = performance.now();
        await fetch(`${srv.url}/health`);
        worstHealthMs = Math.max(worstHealthMs, performance.now() - t0);
        await sleep(5);
      }
    })();
    const results = await Promise.all(
      prompts.map((prompt) =>
        postJson(`${srv.url}/v1/completions`, { model: 'stories', prompt, max_tokens: 40, temperature: 0 }),
      ),
    );
    running = false;
    await probe;
    const batched = (await metric(srv.url, 'llmts_batched_decode_steps_total')) - before;
    assert.ok(batched > 0, `batched steps: ${batched}`);
    for (const [i, r] of results.entries()) {
      assert.equal(r.status, 200);
      const solo = await generateText(model, prompts[i]!, { maxTokens: 40, temperature: 0 });
      assert.equal((r.json as { choices: { text: string }[] }).choices[0]!.text, solo.text, prompts[i]);
    }
    assert.ok(worstHealthMs < 2000, `/health stayed responsive (worst ${worstHealthMs.toFixed(0)} ms)`);
  });

  test('a follow-up chat turn reuses the cached prefix and still equals a fresh run', async () => {
    const chat = (messages: { role: string; content: string }[]) =>
      postJson(`${srv.url}/v1/chat/completions`, {
        model: 'stories',
        messages,
        max_tokens: 16,
        temperature: 0,
      });
    const turn1 = [{ role: 'user', content: 'Tell me about a red ball.' }];
    const a = (await chat(turn1)).json as { choices: { message: { content: string } }[] };
    const reply = a.choices[0]!.message.content;
    const turn2 = [...turn1, { role: 'assistant', content: reply }, { role: 'user', content: 'And then?' }];
    const computed0 = await metric(srv.url, 'llmts_prompt_tokens_total');
    const b = (await chat(turn2)).json as {
      choices: { message: { content: string } }[];
      usage: { prompt_tokens: number; prompt_tokens_details: { cached_tokens: number } };
    };
    const cached = b.usage.prompt_tokens_details.cached_tokens;
    assert.ok(cached >= 10, `cached ${cached} of ${b.usage.prompt_tokens}`);
    assert.equal(
      (await metric(srv.url, 'llmts_prompt_tokens_total')) - computed0,
      b.usage.prompt_tokens - cached,
    );
    const prompt = `User: Tell me about a red ball.\nAssistant: ${reply}\nUser: And then?\nAssistant:`;
    const ref = await generateText(model, prompt, { maxTokens: 16, temperature: 0 });
    assert.equal(b.choices[0]!.message.content, ref.text);
  });
});

describe('server slots, disconnects and the queue', () => {
  let srv: Running;
  const model = new ScriptedModel(
    Array.from({ length: 200 }, (_, i) => (i === 0 ? 1 : 97 + (i % 26))),
    512,
  );
  const body = { model: 'm', prompt: 'x', temperature: 0 };
  before(async () => {
    srv = await startServer([{ id: 'm', model }], { parallel: 1, queue: 1, stepDelayMs: 10 });
  });
  after(() => srv.close());

  test('a streaming client that disconnects frees its slot within a step (SRV-45)', async () => {
    const aborted0 = await metric(srv.url, 'llmts_sequences_aborted_total');
    const ac = new AbortController();
    const r = await fetch(`${srv.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, stream: true }),
      signal: ac.signal,
    });
    const reader = r.body!.getReader();
    await reader.read();
    await reader.read();
    assert.equal(await metric(srv.url, 'llmts_active_sequences'), 1);
    ac.abort();
    assert.ok(
      await waitFor(async () => (await metric(srv.url, 'llmts_active_sequences')) === 0),
      'slot freed',
    );
    assert.equal(await metric(srv.url, 'llmts_sequences_aborted_total'), aborted0 + 1);
    const gen = await metric(srv.url, 'llmts_generated_tokens_total');
    await sleep(100);
    assert.equal(await metric(srv.url, 'llmts_generated_tokens_total'), gen, 'generation stopped');
    // The slot is usable again.
    const ok = await postJson(`${srv.url}/v1/completions`, { ...body, max_tokens: 3 });
    assert.equal(ok.status, 200);
  });

  test('a non-streaming client that disconnects is aborted too (SRV-46)', async () => {
    const aborted0 = await metric(srv.url, 'llmts_sequences_aborted_total');
    const ac = new AbortController();
    const p = fetch(`${srv.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: ac.signal,
    }).catch(() => undefined);
    assert.ok(await waitFor(async () => (await metric(srv.url, 'llmts_active_sequences')) === 1));
    ac.abort();
    await p;
    assert.ok(
      await waitFor(async () => (await metric(srv.url, 'llmts_active_sequences')) === 0),
      'slot freed',
    );
    assert.equal(await metric(srv.url, 'llmts_sequences_aborted_total'), aborted0 + 1);
  });

  test('beyond parallel + queue, requests get 429 with Retry-After; the queued one still runs (SRV-43)', async () => {
    let firstDone = false;
    const first = postJson(`${srv.url}/v1/completions`, { ...body, max_tokens: 150 }).finally(() => {
      firstDone = true;
    });
    assert.ok(await waitFor(async () => (await metric(srv.url, 'llmts_active_sequences')) === 1));
    const second = postJson(`${srv.url}/v1/completions`, { ...body, max_tokens: 5 });
    assert.ok(await waitFor(async () => (await metric(srv.url, 'llmts_queue_depth')) === 1));
    const third = await postJson(`${srv.url}/v1/completions`, { ...body, max_tokens: 5 });
    assert.ok(!firstDone, 'refused at once, not after waiting for a slot');
    assert.equal(third.status, 429);
    assert.ok(isOpenAiError(third.json));
    assert.equal((third.json as { error: { type: string } }).error.type, 'rate_limit_error');
    assert.equal(third.headers.get('retry-after'), '1');
    // n larger than parallel + queue can never run: a 400 (a 429 would be retried in vain).
    const huge = await postJson(`${srv.url}/v1/completions`, { ...body, n: 3, max_tokens: 1 });
    assert.equal(huge.status, 400);
    assert.equal((huge.json as { error: { param: string } }).error.param, 'n');
    assert.equal((await first).status, 200);
    const s = await second;
    assert.equal(s.status, 200);
    assert.equal((s.json as { choices: { finish_reason: string }[] }).choices[0]!.finish_reason, 'length');
    assert.ok(await waitFor(async () => (await metric(srv.url, 'llmts_active_sequences')) === 0));
    assert.equal(model.live <= 1, true, 'at most one KV cache kept for parallel 1');
  });
});
