// SSE framing byte by byte (SSE-01..03, 05, 07, 08, 10) on a scripted model whose tokens are
// single bytes, so multi-byte characters are split across tokens.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { type Running, ScriptedModel, startServer } from './test-support.js';

const TEXT = '\u0001héllo 😀 世界 END tail';
const SCRIPT = Array.from(new TextEncoder().encode(TEXT));

interface Chunk {
  id: string;
  object: string;
  created: number;
  choices: {
    index: number;
    delta?: { role?: string; content?: string };
    text?: string;
    finish_reason: string | null;
  }[];
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
  error?: { message: string; type: string };
}

/** Splits an SSE body into its data payloads, checking the framing exactly. */
function parseSse(body: string): { chunks: Chunk[]; done: boolean } {
  assert.ok(
    body.endsWith('data: [DONE]\n\n'),
    `stream must end with [DONE]: ${JSON.stringify(body.slice(-80))}`,
  );
  const events = body.slice(0, -'\n\n'.length).split('\n\n');
  const chunks: Chunk[] = [];
  let done = false;
  for (const ev of events) {
    assert.ok(!done, 'nothing may follow [DONE]');
    assert.match(ev, /^data: [^\n]*$/, `one data line per event: ${JSON.stringify(ev)}`);
    const data = ev.slice('data: '.length);
    if (data === '[DONE]') done = true;
    else chunks.push(JSON.parse(data) as Chunk);
  }
  return { chunks, done };
}

class FailingModel extends ScriptedModel {
  calls = 0;
  constructor(
    script: readonly number[],
    readonly failAt: number,
  ) {
    super(script);
  }
  override forwardBatch(
    sessions: Parameters<ScriptedModel['forwardBatch']>[0],
    toks: Parameters<ScriptedModel['forwardBatch']>[1],
  ) {
    if (++this.calls === this.failAt) throw new Error('secret internal detail /etc/passwd');
    return super.forwardBatch(sessions, toks);
  }
}

describe('server SSE', () => {
  let srv: Running;
  const failing = new FailingModel(SCRIPT, 4);
  before(async () => {
    srv = await startServer([
      { id: 'scripted', model: new ScriptedModel(SCRIPT), chatTemplate: 'plain' },
      { id: 'failing', model: failing, chatTemplate: 'plain' },
    ]);
  });
  after(() => srv.close());

  const chat = (body: Record<string, unknown>) =>
    fetch(`${srv.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'scripted',
        messages: [{ role: 'user', content: 'hi' }],
        temperature: 0,
        ...body,
      }),
    });

  test('chat stream: headers, framing, chunk shapes, UTF-8 never split, usage chunk', async () => {
    const r = await chat({ stream: true, stream_options: { include_usage: true } });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(r.headers.get('cache-control'), 'no-cache');
    const { chunks } = parseSse(await r.text());
    const ids = new Set(chunks.map((c) => c.id));
    assert.equal(ids.size, 1);
    assert.equal(new Set(chunks.map((c) => c.created)).size, 1);
    assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk'));
    assert.equal(chunks[0]!.choices[0]!.delta!.role, 'assistant');
    const content = chunks.slice(1).filter((c) => c.choices.length > 0);
    assert.ok(content.every((c) => c.choices[0]!.delta!.role === undefined));
    let text = '';
    for (const c of content) {
      const piece = c.choices[0]!.delta!.content ?? '';
      assert.ok(!piece.includes('\uFFFD'), `chunk splits a character: ${JSON.stringify(piece)}`);
      text += piece;
    }
    assert.equal(text, TEXT);
    const finishes = content.map((c) => c.choices[0]!.finish_reason);
    assert.deepEqual(finishes.slice(0, -1), new Array(finishes.length - 1).fill(null));
    assert.equal(finishes.at(-1), 'stop');
    const usage = chunks.at(-1)!;
    assert.deepEqual(usage.choices, []);
    assert.equal(usage.usage!.completion_tokens, SCRIPT.length + 1); // + EOS
    assert.ok(
      content.every((c) => c.usage === null),
      'other chunks carry usage: null',
    );
    // Same counts without streaming (ERR-06) and the same text (SSE-06).
    const j = (await (await chat({})).json()) as {
      choices: { message: { content: string } }[];
      usage: Chunk['usage'];
    };
    assert.equal(j.choices[0]!.message.content, TEXT);
    const counts = (u: Chunk['usage']) => [u!.prompt_tokens, u!.completion_tokens, u!.total_tokens];
    assert.deepEqual(counts(j.usage), counts(usage.usage));
  });

  test('a stop string spread over several tokens is cut, held text is flushed', async () => {
    const r = await chat({ stream: true, stop: ['END'] });
    const { chunks } = parseSse(await r.text());
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    assert.equal(text, TEXT.slice(0, TEXT.indexOf('END')));
    assert.equal(chunks.at(-1)!.choices[0]!.finish_reason, 'stop');
    // "E" alone is held back only while it may start "END": a stop that never matches loses nothing.
    const r2 = await chat({ stream: true, stop: ['ENDX'] });
    const t2 = parseSse(await r2.text())
      .chunks.map((c) => c.choices[0]?.delta?.content ?? '')
      .join('');
    assert.equal(t2, TEXT);
  });

  test('n=2 streams both choices with their own index and finish_reason; max_tokens → length', async () => {
    const r = await chat({ stream: true, n: 2, max_tokens: 5 });
    const { chunks } = parseSse(await r.text());
    for (const idx of [0, 1]) {
      const mine = chunks.filter((c) => c.choices[0]?.index === idx);
      const text = mine.map((c) => c.choices[0]!.delta?.content ?? '').join('');
      assert.equal(text, new TextDecoder().decode(Uint8Array.from(SCRIPT.slice(0, 5))));
      assert.equal(mine.at(-1)!.choices[0]!.finish_reason, 'length');
    }
  });

  test('completions stream uses text_completion chunks', async () => {
    const r = await fetch(`${srv.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'scripted', prompt: 'x', stream: true, temperature: 0 }),
    });
    const { chunks } = parseSse(await r.text());
    assert.ok(chunks.every((c) => c.object === 'text_completion'));
    assert.equal(chunks.map((c) => c.choices[0]!.text).join(''), TEXT);
  });

  test('an engine error after the headers is sent in-band, without internals; the server keeps serving', async () => {
    failing.calls = 0;
    const r = await fetch(`${srv.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'failing', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    assert.equal(r.status, 200);
    const { chunks } = parseSse(await r.text());
    const err = chunks.find((c) => c.error !== undefined);
    assert.ok(err, 'an error event');
    assert.equal(err.error!.type, 'server_error');
    assert.ok(!err.error!.message.includes('passwd'), 'no internal detail leaks');
    // The official client raises on it.
    failing.calls = 0;
    const client = new OpenAI({ baseURL: `${srv.url}/v1`, apiKey: 'x', maxRetries: 0 });
    await assert.rejects(async () => {
      const s = await client.chat.completions.create({
        model: 'failing',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
      });
      for await (const _ of s);
    }, OpenAI.APIError);
    // Non-streaming: a 500 in OpenAI's shape.
    failing.calls = 0;
    const r3 = await fetch(`${srv.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'failing', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(r3.status, 500);
    const j3 = (await r3.json()) as { error: { type: string; message: string } };
    assert.equal(j3.error.type, 'server_error');
    assert.ok(!j3.error.message.includes('passwd'));
    // Next request on the same model works.
    const r4 = await fetch(`${srv.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'failing', messages: [{ role: 'user', content: 'hi' }], temperature: 0 }),
    });
    assert.equal(r4.status, 200);
  });
});
