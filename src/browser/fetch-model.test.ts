// fetchBytes / fetchModel against a local HTTP server (Node's fetch is the same WHATWG API as a
// page's): exact bytes with and without Content-Length, the size cap either way, truncated and
// over-long bodies, HTTP errors, cancellation, and a model loaded from fetched bytes.
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { JsBackend } from '../backend/js/index.js';
import { CapacityError, FormatError, UsageError } from '../errors.js';
import { fetchBytes, fetchModel } from './fetch-model.js';

const BODY = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 31 + 7) & 255);

const routes: Record<string, (res: ServerResponse) => void> = {
  '/sized': (res) => res.writeHead(200, { 'content-length': BODY.length }).end(BODY),
  '/chunked': (res) => {
    res.writeHead(200); // no Content-Length: chunked transfer encoding
    for (let i = 0; i < BODY.length; i += 7000) res.write(BODY.subarray(i, i + 7000));
    res.end();
  },
  '/truncated': (res) => {
    res.writeHead(200, { 'content-length': BODY.length });
    res.write(BODY.subarray(0, 1000), () => res.destroy());
  },
  '/missing': (res) => res.writeHead(404).end('nope'),
  '/empty': (res) => res.writeHead(200, { 'content-length': 0 }).end(),
  '/stall': (res) => {
    res.writeHead(200, { 'content-length': BODY.length });
    res.write(BODY.subarray(0, 10));
  },
  '/garbage': (res) => res.writeHead(200).end('GGUF but not really a model'),
};

let server: Server;
let base: string;
before(async () => {
  server = createServer((req, res) => (routes[req.url ?? ''] ?? routes['/missing']!)(res));
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((ok) => server.close(ok));
});

test('fetchBytes returns the exact body, with or without Content-Length', async () => {
  for (const path of ['/sized', '/chunked']) {
    const seen: [number, number | undefined][] = [];
    const got = await fetchBytes(base + path, { onProgress: (n, t) => seen.push([n, t]) });
    assert.deepEqual(got, BODY, path);
    assert.equal(seen.at(-1)![0], BODY.length);
    assert.equal(seen.at(-1)![1], path === '/sized' ? BODY.length : undefined);
  }
  assert.deepEqual(await fetchBytes(`${base}/empty`), new Uint8Array(0));
});

test('fetchBytes enforces maxBytes before and while reading', async () => {
  for (const path of ['/sized', '/chunked']) {
    await assert.rejects(fetchBytes(base + path, { maxBytes: BODY.length - 1 }), (e: unknown) => {
      assert.ok(e instanceof CapacityError, String(e));
      assert.equal(e.field, 'maxBytes');
      assert.equal(e.file, base + path);
      return true;
    });
    assert.equal((await fetchBytes(base + path, { maxBytes: BODY.length })).length, BODY.length);
  }
  await assert.rejects(fetchBytes(`${base}/sized`, { maxBytes: -1 }), UsageError);
});

test('fetchBytes: HTTP errors, truncated downloads and cancellation', async () => {
  await assert.rejects(fetchBytes(`${base}/missing`), (e: unknown) => {
    assert.ok(e instanceof UsageError);
    assert.match(e.message, /HTTP 404/);
    return true;
  });
  await assert.rejects(fetchBytes(`${base}/truncated`), FormatError);
  await assert.rejects(fetchBytes('http://127.0.0.1:1/refused'), UsageError);
  const ac = new AbortController();
  const p = fetchBytes(`${base}/stall`, { signal: ac.signal });
  setTimeout(() => ac.abort(), 50);
  await assert.rejects(p, (e: unknown) => e instanceof Error && e.name === 'AbortError');
});

test('fetchModel: bytes that are not a model give a FormatError', async () => {
  const backend = new JsBackend();
  try {
    await assert.rejects(fetchModel(`${base}/garbage`, { backend }), FormatError);
  } finally {
    backend.dispose();
  }
});
