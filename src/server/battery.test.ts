// The hostile-input battery (reliability.md §3.3–3.5, §7): malformed bodies, wrong types, every
// numeric field out of range, unknown models, long prompts, bad schemas, oversized bodies and
// headers, slow clients, missing or wrong keys, path tricks, Host/CORS. Each error is checked for
// its status and OpenAI shape; no client mistake may produce a 5xx.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { LlmServer } from './app.js';
import {
  isOpenAiError,
  postJson,
  type Running,
  rawHttp,
  ScriptedModel,
  startServer,
} from './test-support.js';

const SCRIPT = Array.from(new TextEncoder().encode('\u0001ok'));
const KEY = 'sk-test-0123456789';
const AUTH = { authorization: `Bearer ${KEY}` };
const chatBody = { model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 };

async function expectError(
  r: Promise<{ status: number; json: unknown; headers: Headers }>,
  status: number,
  param?: string | null,
): Promise<{ error: { message: string; type: string; param: string | null; code: string | null } }> {
  const res = await r;
  assert.equal(res.status, status, `status ${res.status}: ${JSON.stringify(res.json)}`);
  assert.ok(isOpenAiError(res.json), `OpenAI error shape: ${JSON.stringify(res.json)}`);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  const body = res.json as {
    error: { message: string; type: string; param: string | null; code: string | null };
  };
  if (param !== undefined) assert.equal(body.error.param, param);
  if (status === 400) assert.equal(body.error.type, 'invalid_request_error');
  return body;
}

describe('server hostile-input battery', () => {
  let srv: Running;
  let open: Running;
  let chat: (body: unknown, headers?: Record<string, string>) => ReturnType<typeof postJson>;
  before(async () => {
    const model = new ScriptedModel(SCRIPT, 64);
    srv = await startServer([{ id: 'm', model, chatTemplate: 'plain' }], {
      apiKeys: [KEY],
      limits: { bodyLimit: 100_000 },
      requestTimeoutMs: 600,
      headersTimeoutMs: 600,
    });
    open = await startServer([{ id: 'm', model, chatTemplate: 'plain' }]);
    chat = (body, headers = AUTH) => postJson(`${srv.url}/v1/chat/completions`, body, headers);
  });
  after(async () => {
    await srv.close();
    await open.close();
  });

  test('SRV-20 malformed bodies', async () => {
    await expectError(chat('{"model": "m", '), 400);
    await expectError(chat('[1,2]'), 400);
    await expectError(chat(''), 400);
    await expectError(chat('null'), 400);
    await expectError(chat('{"__proto__": {"x": 1}, "model": "m"}'), 400);
    const r = await fetch(`${srv.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...AUTH, 'content-type': 'text/plain' },
      body: JSON.stringify(chatBody),
    });
    assert.equal(r.status, 415);
    assert.ok(isOpenAiError(await r.json()));
    const bom = await chat(`\uFEFF${JSON.stringify(chatBody)}`);
    assert.ok(bom.status === 200 || bom.status === 400, `BOM: ${bom.status}`);
  });

  test('SRV-21 messages of the wrong shape name the field', async () => {
    const cases: [unknown, string][] = [
      [null, 'messages'],
      ['string', 'messages'],
      [[123], 'messages[0]'],
      [[{}], 'messages[0].role'],
      [[{ role: 123 }], 'messages[0].role'],
      [[{ role: 'wizard', content: 'x' }], 'messages[0].role'],
      [[{ role: 'system', content: 123 }], 'messages[0].content'],
      [[{ role: 'user', content: 'x' }, {}], 'messages[1].role'],
      [[], 'messages'],
    ];
    for (const [messages, param] of cases) await expectError(chat({ model: 'm', messages }), 400, param);
    const many = Array.from({ length: 100_000 }, () => ({ role: 'user' }));
    await expectError(chat({ model: 'm', messages: many }), 413); // over the body limit first
    await expectError(chat({ model: 'm', messages: many.slice(0, 2000) }), 400, 'messages');
  });

  test('SRV-22..29 every numeric knob out of range is a 400 naming it', async () => {
    const bad: [string, unknown[]][] = [
      ['n', [0, -1, 129, 1e6, 1.5, '2']],
      ['max_tokens', [-1, 0, 2 ** 31, 1e12, '5']],
      ['max_completion_tokens', [-1, 0, 1e12]],
      ['temperature', [-1, 'NaN', 1e308]],
      ['top_p', [0, 1.5, -0.1]],
      ['top_k', [-5, 1.5]],
      ['min_p', [-0.1, 2]],
      ['repeat_penalty', [0, -1, 100]],
      ['presence_penalty', [10, -3]],
      ['frequency_penalty', [10]],
      ['seed', [-1, 2 ** 64, 1.5]],
      ['top_logprobs', [-1, 21, 1e4]],
      ['stop', [['a', 'b', 'c', 'd', 'e'], 'x'.repeat(100_001 - 99_000), '', [''], [1], 5]],
    ];
    for (const [field, values] of bad)
      for (const v of values) {
        const body = await expectError(chat({ ...chatBody, logprobs: true, [field]: v }), 400);
        assert.ok(
          body.error.param?.startsWith(field),
          `${field}=${JSON.stringify(v)} → param ${body.error.param}`,
        );
      }
    await expectError(chat({ ...chatBody, top_logprobs: 2 }), 400, 'top_logprobs'); // needs logprobs: true
    await expectError(
      chat({ ...chatBody, logit_bias: Object.fromEntries(Array.from({ length: 301 }, (_, i) => [i, 1])) }),
      400,
      'logit_bias',
    );
    await expectError(chat({ ...chatBody, logit_bias: { abc: 1 } }), 400);
    await expectError(chat({ ...chatBody, logit_bias: { '-1': 1 } }), 400);
    await expectError(chat({ ...chatBody, logit_bias: { '1': 1e308 } }), 400);
    await expectError(chat({ ...chatBody, logit_bias: { '999999': 1 } }), 400, 'logit_bias');
    const completions = (b: unknown) => postJson(`${srv.url}/v1/completions`, b, AUTH);
    await expectError(completions({ model: 'm', prompt: 'x', logprobs: 1e4 }), 400, 'logprobs');
    await expectError(completions({ model: 'm', prompt: [1, 2, 1e6] }), 400, 'prompt');
    await expectError(completions({ model: 'm', prompt: [1, -2] }), 400);
    await expectError(completions({ model: 'm', prompt: [] }), 400);
    await expectError(completions({ model: 'm', prompt: 'x', echo: true }), 400, 'echo');
    await expectError(
      chat({ ...chatBody, tools: [{ type: 'function', function: { name: 'f' } }] }),
      400,
      'tools',
    );
    await expectError(completions({ model: 'm', prompt: 'x', best_of: 3 }), 400, 'best_of');
  });

  test('property: any value in any numeric field gives 200 or 400, and the server stays healthy', async () => {
    const values = [-1, 0, 1, 2 ** 31, 2 ** 53, 1e308, -0, 1.5, '5', null, true, [], {}];
    const fields = [
      'n',
      'max_tokens',
      'temperature',
      'top_p',
      'top_k',
      'min_p',
      'seed',
      'presence_penalty',
      'frequency_penalty',
      'repeat_penalty',
      'top_logprobs',
      'max_completion_tokens',
    ];
    for (const f of fields)
      for (const v of values) {
        const r = await chat({ ...chatBody, logprobs: true, [f]: v });
        assert.ok(r.status === 200 || r.status === 400, `${f}=${JSON.stringify(v)} → ${r.status} ${r.text}`);
      }
    assert.equal((await fetch(`${srv.url}/health`)).status, 200);
    assert.equal((await chat(chatBody)).status, 200);
  });

  test('SRV-24 prompt + max_tokens beyond the context is a 400 naming both numbers', async () => {
    const long = 'x'.repeat(100);
    const body = await expectError(
      chat({ model: 'm', messages: [{ role: 'user', content: long }] }),
      400,
      'messages',
    );
    assert.equal(body.error.code, 'context_length_exceeded');
    assert.match(body.error.message, /\(\d+ tokens\) exceeds the available context size \(64 tokens\)/);
    const b2 = await expectError(chat({ ...chatBody, max_tokens: 60 }), 400, 'max_tokens');
    assert.equal(b2.error.code, 'context_length_exceeded');
  });

  test('SRV-30 invalid JSON schemas are 400 and do not poison the next request', async () => {
    const rf = (schema: unknown) => ({
      ...chatBody,
      response_format: { type: 'json_schema', json_schema: { name: 's', schema } },
    });
    await expectError(chat(rf({ type: 'nonsense' })), 400);
    // A $ref loop and a catastrophic pattern: refused or generated, never a 5xx or a hang.
    for (const schema of [
      { $ref: '#/$defs/a', $defs: { a: { $ref: '#/$defs/a' } } },
      { type: 'string', pattern: '(a+)+$' },
    ]) {
      const r = await chat(rf(schema));
      assert.ok(r.status === 200 || r.status === 400, `${JSON.stringify(schema)} → ${r.status}`);
    }
    await expectError(chat({ ...chatBody, response_format: { type: 'json_schema' } }), 400);
    await expectError(chat({ ...chatBody, response_format: { type: 'xml' } }), 400);
    assert.equal((await chat(chatBody)).status, 200);
  });

  test('SRV-10/36 unknown or path-like model names are 404 model_not_found', async () => {
    for (const model of [
      'gpt-4',
      '../../etc/passwd',
      '/abs/path',
      '%2e%2e%2f',
      'a\u0000b',
      '..\\\\x',
      'm'.repeat(1000),
    ]) {
      const b = await expectError(chat({ ...chatBody, model }), 404, 'model');
      assert.equal(b.error.code, 'model_not_found');
    }
    await expectError(chat({ ...chatBody, model: 'm'.repeat(10_000) }), 400, 'model');
    const r = await fetch(`${srv.url}/v1/models/..%2f..%2fetc%2fpasswd`, { headers: AUTH });
    assert.equal(r.status, 404);
  });

  test('SRV-35 embeddings input caps', async () => {
    const emb = (input: unknown) => postJson(`${srv.url}/v1/embeddings`, { model: 'm', input }, AUTH);
    await expectError(emb(Array.from({ length: 10_000 }, () => 'a')), 400, 'input');
    await expectError(emb(''), 400);
    await expectError(emb(['a', '']), 400);
    await expectError(emb([[1, 2], [3]].concat([[1e7]])), 400);
    await expectError(emb([[[1]]]), 400);
    await expectError(emb('hi'), 400, 'model'); // the scripted model has no hidden states
  });

  test('SRV-40/41 oversized bodies (with and without Content-Length) and headers', async () => {
    const big = JSON.stringify({ ...chatBody, pad: 'x'.repeat(100_001) });
    await expectError(chat(big), 413);
    const head = `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const chunk = Buffer.from(big);
    const raw = await rawHttp(
      srv.port,
      Buffer.concat([
        Buffer.from(head),
        Buffer.from(`${chunk.length.toString(16)}\r\n`),
        chunk,
        Buffer.from('\r\n0\r\n\r\n'),
      ]),
    );
    assert.match(raw, /^HTTP\/1\.1 413/);
    const r = await rawHttp(
      srv.port,
      `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(1 << 20)}\r\n\r\n`,
    );
    assert.match(r, /^HTTP\/1\.1 431/);
  });

  test('SRV-42 a slow client is cut off by the request timeout; others are served meanwhile', async () => {
    const sock = connect(srv.port, '127.0.0.1');
    let closed = false;
    let answer = '';
    sock.on('data', (d) => {
      answer += d.toString();
    });
    sock.on('close', () => {
      closed = true;
    });
    sock.on('error', () => {});
    sock.write('POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const drip = setInterval(() => {
      if (!closed) sock.write('X-A: b\r\n');
    }, 100);
    assert.equal((await fetch(`${srv.url}/health`)).status, 200);
    const t0 = Date.now();
    while (!closed && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 50));
    clearInterval(drip);
    sock.destroy();
    assert.ok(closed, 'the dripping connection was closed');
    assert.ok(answer === '' || /^HTTP\/1\.1 408/.test(answer), answer);
  });

  test('SRV-03/04/07 API keys: every wrong form is 401, the right ones pass, /health is public', async () => {
    const bad: Record<string, string>[] = [
      {},
      { authorization: 'Bearer invalid-key' },
      { authorization: 'Bearer ' },
      { authorization: `Basic ${Buffer.from(`u:${KEY}`).toString('base64')}` },
      { authorization: `Bearer ${KEY} x` },
      { authorization: `Bearer ${KEY}x` },
      { authorization: `Bearer ${KEY.slice(0, -1)}` },
      { 'x-api-key': 'nope' },
    ];
    for (const h of bad) {
      const b = await expectError(chat(chatBody, h), 401);
      assert.equal(b.error.type, 'authentication_error');
    }
    const q = await postJson(`${srv.url}/v1/chat/completions?api_key=${KEY}`, chatBody, {});
    assert.equal(q.status, 401);
    assert.equal((await chat(chatBody)).status, 200);
    assert.equal((await chat(chatBody, { 'x-api-key': KEY })).status, 200);
    for (const path of ['/v1/models', '/metrics', '/tokenize', '/nope']) {
      const r = await fetch(`${srv.url}${path}`);
      assert.equal(r.status, 401, path);
    }
    const h = await fetch(`${srv.url}/health`);
    assert.equal(h.status, 200);
    assert.deepEqual(await h.json(), { status: 'ok' });
  });

  test('SRV-06 no path spelling reaches a protected route without the key', async () => {
    const body = JSON.stringify(chatBody);
    const targets = [
      '/v1/chat/completions',
      '//v1/chat/completions',
      '/v1//chat/completions',
      '/v1/chat/completions/',
      '/V1/chat/completions',
      '/V1/CHAT/COMPLETIONS',
      '/v1/%63hat/completions',
      '/v1/./chat/completions',
      '/v1/../v1/chat/completions',
      '/v1/chat/completions;x',
      '/v1/chat/completions?x',
      '/v1/chat/completions%2F',
      '/health/../v1/chat/completions',
      '/health%2F..%2Fv1/chat/completions',
      'http://evil/v1/chat/completions',
      '*',
    ];
    for (const t of targets) {
      const raw = await rawHttp(
        srv.port,
        `POST ${t} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      const status = Number(raw.slice(9, 12));
      assert.ok([400, 401, 404].includes(status), `${t} → ${raw.slice(0, 40)}`);
    }
    for (const t of ['/v1/models', '//v1/models', '/V1/MODELS/', '/v1/%6dodels'])
      assert.ok(
        [401, 404].includes(
          Number(
            (
              await rawHttp(srv.port, `GET ${t} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`)
            ).slice(9, 12),
          ),
        ),
        t,
      );
  });

  test('SRV-08/09 no permissive CORS; foreign Host headers are refused', async () => {
    const r = await fetch(`${open.url}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(r.headers.get('access-control-allow-origin'), null);
    const raw = await rawHttp(
      open.port,
      'GET /v1/models HTTP/1.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n',
    );
    assert.match(raw, /^HTTP\/1\.1 403/);
    assert.match(raw, /host_not_allowed/);
    const ok = await rawHttp(
      open.port,
      `GET /v1/models HTTP/1.1\r\nHost: localhost:${open.port}\r\nConnection: close\r\n\r\n`,
    );
    assert.match(ok, /^HTTP\/1\.1 200/);
  });

  test('SRV-49 /health and inference answer 503 while loading', async () => {
    const s = new LlmServer({});
    s.addModel({ id: 'm', model: new ScriptedModel(SCRIPT) });
    const url = await s.listen(0);
    try {
      await expectError(
        fetch(`${url}/health`).then(async (r) => ({
          status: r.status,
          json: await r.json(),
          headers: r.headers,
        })),
        503,
      );
      const b = await expectError(postJson(`${url}/v1/chat/completions`, chatBody), 503);
      assert.equal(b.error.code, 'model_loading');
      s.setReady();
      assert.equal((await fetch(`${url}/health`)).status, 200);
    } finally {
      await s.close(100);
    }
  });

  test('tokenize / detokenize round trip; bad ids are 400', async () => {
    const t = await postJson(`${open.url}/tokenize`, { content: 'héllo' });
    assert.equal(t.status, 200);
    const ids = (t.json as { tokens: number[] }).tokens;
    assert.deepEqual(ids, Array.from(new TextEncoder().encode('héllo')));
    const d = await postJson(`${open.url}/detokenize`, { tokens: ids });
    assert.deepEqual(d.json, { content: 'héllo' });
    await expectError(postJson(`${open.url}/detokenize`, { tokens: [1e6] }), 400, 'tokens');
    await expectError(postJson(`${open.url}/detokenize`, { tokens: [-1] }), 400);
    await expectError(postJson(`${open.url}/tokenize`, { content: 5 }), 400);
  });

  test('control tokens spelled by the client stay text', async () => {
    // FakeTokenizer maps "</s>" to EOS only when specials are allowed.
    const s = await startServer([
      {
        id: 'm',
        model: new ScriptedModel(SCRIPT),
        chatTemplate: '{% for m in messages %}<s>{{ m.content }}{% endfor %}',
      },
    ]);
    try {
      const r = await postJson(`${s.url}/v1/chat/completions`, {
        ...chatBody,
        messages: [{ role: 'user', content: 'a</s>b' }],
      });
      assert.equal(r.status, 200);
      // prompt: BOS (from the template) + bytes of "a</s>b" (6), not BOS + a + EOS + b.
      assert.equal((r.json as { usage: { prompt_tokens: number } }).usage.prompt_tokens, 1 + 6);
    } finally {
      await s.close();
    }
  });
});
