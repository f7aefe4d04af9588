// The official `openai` npm client against the server on the real stories260K model: results
// compared with llama.cpp's greedy golden and with the library's own generate(); errors raise the
// client's typed exceptions (ERR-03).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { generateText } from '../generate/generate.js';
import type { CausalLM } from '../models/causal-lm.js';
import { sharedPath, skipUnlessShared } from '../testing/shared.js';
import { embed } from './engine/embed.js';
import { loadStories, metric, type Running, STORIES_PARTS, startServer } from './test-support.js';

const skip = skipUnlessShared(...STORIES_PARTS) || skipUnlessShared('golden', 'goldens', 'stories260K.json');

interface Golden {
  prompts: {
    source_text: string;
    prompt_ids: number[];
    greedy_ids: number[];
    greedy_text: string;
    prompt_top10: [number, number][][];
  }[];
}

describe('server with the openai client (stories260K)', { skip }, () => {
  let srv: Running;
  let keyed: Running;
  let model: CausalLM;
  let client: OpenAI;
  let golden: Golden['prompts'][0];
  before(async () => {
    if (skip) return;
    golden = (
      JSON.parse(readFileSync(sharedPath('golden', 'goldens', 'stories260K.json')!, 'utf8')) as Golden
    ).prompts[0]!;
    model = await loadStories();
    srv = await startServer([{ id: 'stories', aliases: ['tiny'], model }]);
    keyed = await startServer([{ id: 'stories', model }], {
      apiKeys: ['sk-right'],
      parallel: 1,
      queue: 0,
      stepDelayMs: 5,
    });
    client = new OpenAI({ baseURL: `${srv.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => {
    await srv?.close();
    await keyed?.close();
  });

  test('completions reproduce llama.cpp greedy output (golden)', async () => {
    const r = await client.completions.create({
      model: 'stories',
      prompt: golden.source_text,
      max_tokens: golden.greedy_ids.length,
      temperature: 0,
    });
    assert.equal(r.choices[0]!.text, golden.greedy_text);
    assert.equal(r.choices[0]!.finish_reason, 'length');
    assert.deepEqual(
      { ...r.usage, prompt_tokens_details: undefined },
      { prompt_tokens: 5, completion_tokens: 64, total_tokens: 69, prompt_tokens_details: undefined },
    );
    // The same prompt as token ids.
    const r2 = await client.completions.create({
      model: 'tiny',
      prompt: golden.prompt_ids,
      max_tokens: 8,
      temperature: 0,
    });
    assert.ok(golden.greedy_text.startsWith(r2.choices[0]!.text));
  });

  test('logprobs: the top alternatives of the first token are llama.cpp top-5, logprobs ≤ 0', async () => {
    const r = await client.completions.create({
      model: 'stories',
      prompt: golden.source_text,
      max_tokens: 2,
      temperature: 0,
      logprobs: 5,
    });
    const lp = r.choices[0]!.logprobs!;
    assert.equal(lp.tokens!.length, 2);
    const top = lp.top_logprobs![0]!;
    const want = golden.prompt_top10.at(-1)!.slice(0, 5);
    const tok = model.tokenizer!;
    const td = new TextDecoder();
    assert.deepEqual(
      Object.keys(top),
      want.map(([id]) => td.decode(tok.tokenBytes(id))),
    );
    // Differences of logprobs equal differences of llama.cpp logits.
    const vals = Object.values(top);
    for (let i = 1; i < 5; i++) assert.ok(Math.abs(vals[0]! - vals[i]! - (want[0]![1] - want[i]![1])) < 1e-3);
    assert.ok(lp.token_logprobs!.every((x) => x <= 0));
    // Chat-style logprobs.
    const c = await client.chat.completions.create({
      model: 'stories',
      messages: [{ role: 'user', content: 'Hi' }],
      max_tokens: 3,
      logprobs: true,
      top_logprobs: 2,
      temperature: 0,
    });
    const content = c.choices[0]!.logprobs!.content!;
    assert.equal(content.length, c.usage!.completion_tokens);
    assert.equal(content[0]!.top_logprobs.length, 2);
    assert.equal(content[0]!.top_logprobs[0]!.token, content[0]!.token); // greedy picks the top one
  });

  test('chat: non-streaming equals streaming equals the library generate() on the same prompt', async () => {
    const messages = [
      { role: 'system' as const, content: 'A story.' },
      { role: 'user' as const, content: 'Tell me about Lily.' },
    ];
    const r = await client.chat.completions.create({
      model: 'stories',
      messages,
      max_tokens: 20,
      temperature: 0,
    });
    const text = r.choices[0]!.message.content;
    assert.equal(r.choices[0]!.message.role, 'assistant');
    const stream = await client.chat.completions.create({
      model: 'stories',
      messages,
      max_tokens: 20,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    let streamed = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      streamed += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(streamed, text);
    // Same counts (the second run found its prompt in the cache: all but the last token).
    assert.deepEqual(
      { ...usage, prompt_tokens_details: undefined },
      { ...r.usage, prompt_tokens_details: undefined },
    );
    assert.equal(usage!.prompt_tokens_details!.cached_tokens, usage!.prompt_tokens - 1);
    // Reference: the plain template rendered and generated by the library.
    const prompt = 'A story.\n\nUser: Tell me about Lily.\nAssistant:';
    const ref = await generateText(model, prompt, { maxTokens: 20, temperature: 0 });
    assert.equal(text, ref.text);
  });

  test('seeded sampling is reproducible; n choices are returned', async () => {
    const req = { model: 'stories', prompt: 'Once', max_tokens: 12, temperature: 1, seed: 42, n: 3 };
    const a = await client.completions.create(req);
    const b = await client.completions.create(req);
    assert.deepEqual(
      a.choices.map((c) => c.text),
      b.choices.map((c) => c.text),
    );
    assert.deepEqual(
      a.choices.map((c) => c.index),
      [0, 1, 2],
    );
  });

  test('embeddings: float and base64 agree, unit norm, equal to the direct computation', async () => {
    const f = await client.embeddings.create({
      model: 'stories',
      input: ['Lily was happy.', 'A big red ball.'],
      encoding_format: 'float',
    });
    const b = await client.embeddings.create({
      model: 'stories',
      input: ['Lily was happy.', 'A big red ball.'],
    }); // base64 by default
    assert.equal(f.data.length, 2);
    for (let i = 0; i < 2; i++) {
      const v = f.data[i]!.embedding;
      assert.equal(v.length, model.info.dim);
      assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5);
      assert.deepEqual(Array.from(Float32Array.from(b.data[i]!.embedding)), Array.from(Float32Array.from(v)));
    }
    const direct = (await embed(model, [model.tokenizer!.encode('Lily was happy.')]))[0]!;
    assert.deepEqual(Array.from(Float32Array.from(f.data[0]!.embedding)), Array.from(direct));
    assert.notDeepEqual(f.data[0]!.embedding, f.data[1]!.embedding);
    assert.equal(f.usage.prompt_tokens, f.usage.total_tokens);
  });

  test('models list and retrieve', async () => {
    const list = await client.models.list();
    assert.deepEqual(
      list.data.map((m) => m.id),
      ['stories', 'tiny'],
    );
    assert.equal(list.data[0]!.object, 'model');
    const one = await client.models.retrieve('tiny');
    assert.equal(one.id, 'tiny');
    await assert.rejects(client.models.retrieve('nope'), OpenAI.NotFoundError);
  });

  test('errors raise the client exception classes', async () => {
    await assert.rejects(
      client.chat.completions.create({
        model: 'stories',
        messages: [{ role: 'user', content: 'x' }],
        n: 100,
      }),
      OpenAI.BadRequestError,
    );
    await assert.rejects(
      client.completions.create({ model: 'stories', prompt: 'x', max_tokens: 100_000 }),
      (e: unknown) => {
        assert.ok(e instanceof OpenAI.BadRequestError);
        assert.equal((e as InstanceType<typeof OpenAI.BadRequestError>).code, 'context_length_exceeded');
        return true;
      },
    );
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-4', messages: [{ role: 'user', content: 'x' }] }),
      OpenAI.NotFoundError,
    );
    const wrong = new OpenAI({ baseURL: `${keyed.url}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
    await assert.rejects(wrong.models.list(), OpenAI.AuthenticationError);
    const right = new OpenAI({ baseURL: `${keyed.url}/v1`, apiKey: 'sk-right', maxRetries: 0 });
    assert.equal((await right.models.list()).data[0]!.id, 'stories');
    // parallel 1, queue 0: a second request while one runs is refused with 429 + Retry-After.
    const first = right.completions.create({
      model: 'stories',
      prompt: 'Once',
      max_tokens: 60,
      temperature: 0,
    });
    for (
      let t = 0;
      t < 300 &&
      (await metric(keyed.url, 'llmts_active_sequences', '', { authorization: 'Bearer sk-right' })) === 0;
      t++
    )
      await new Promise((r) => setTimeout(r, 10));
    await assert.rejects(
      right.completions.create({ model: 'stories', prompt: 'Once', max_tokens: 5 }),
      (e: unknown) => {
        assert.ok(e instanceof OpenAI.RateLimitError);
        assert.equal((e as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after'), '1');
        return true;
      },
    );
    assert.equal((await first).choices[0]!.finish_reason, 'length');
  });

  test('response_format json_object yields parseable JSON', async () => {
    const r = await client.chat.completions.create({
      model: 'stories',
      messages: [{ role: 'user', content: 'Give JSON.' }],
      max_tokens: 60,
      temperature: 0,
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'x',
          schema: { type: 'object', properties: { a: { type: 'integer' } }, required: ['a'] },
        },
      },
    });
    if (r.choices[0]!.finish_reason === 'stop') {
      const v = JSON.parse(r.choices[0]!.message.content!) as { a: unknown };
      assert.ok(Number.isInteger(v.a));
    } else assert.ok(r.choices[0]!.message.content!.startsWith('{'));
  });
});
