// decode(encode(s)) == s on corpus samples and golden strings, the streaming decoder, and hostile
// inputs with time bounds (lone surrogates, NUL, invalid UTF-8 ids, 1 MB and 10 MB runs).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { sharedPath, skipUnlessShared } from '../testing/shared.js';
import type { BaseTokenizer } from './base.js';
import { completePrefix } from './base.js';
import { loadTokenizer } from './load-node.js';

const need = skipUnlessShared('data', 'tokenizers');
const path = (...p: string[]) => sharedPath('data', 'tokenizers', ...p)!;
const cache = new Map<string, BaseTokenizer>();
function tok(name: string): BaseTokenizer {
  let t = cache.get(name);
  if (t === undefined) {
    const files: Record<string, string> = {
      gpt2: path('gpt2', 'encoder.json'),
      'llama-spm': path('llama.cpp-vocab', 'ggml-vocab-llama-spm.gguf'),
      'gguf-gpt2': path('llama.cpp-vocab', 'ggml-vocab-gpt-2.gguf'),
      'deepseek-llm': path('llama.cpp-vocab', 'ggml-vocab-deepseek-llm.gguf'),
      llama3: path('llama3', 'tokenizer.json'),
      spm: path('llama2c', 'tokenizer.model'),
    };
    t = loadTokenizer(files[name]!);
    cache.set(name, t);
  }
  return t;
}
const NAMES = ['gpt2', 'llama-spm', 'gguf-gpt2', 'deepseek-llm', 'llama3', 'spm'];

function samples(): string[] {
  const out: string[] = [];
  const sh = sharedPath('data', 'corpora', 'tinyshakespeare', 'input.txt');
  if (sh) {
    const t = readFileSync(sh, 'utf8');
    for (let i = 0; i < 5; i++) out.push(t.slice(i * 200_000, i * 200_000 + 4000));
  }
  const zhDir = sharedPath('data', 'corpora', 'chinese-poetry', '全唐诗');
  if (zhDir) {
    const files = readdirSync(zhDir)
      .filter((f) => f.endsWith('.json'))
      .slice(0, 3);
    assert.equal(files.length, 3);
    for (const f of files) out.push(readFileSync(`${zhDir}/${f}`, 'utf8').slice(0, 4000));
  }
  const g = sharedPath('golden', 'tokenizer-goldens.json');
  if (g) out.push(...Object.keys(JSON.parse(readFileSync(g, 'utf8'))['gpt-2'] as object));
  for (const c of readFileSync(path('llama.cpp-vocab', 'ggml-vocab-gpt-2.gguf.inp'), 'utf8').split(
    '\n__ggml_vocab_test__\n',
  ))
    out.push(c);
  return out;
}

function streamDecode(t: BaseTokenizer, ids: number[], skipSpecial = false): string {
  const d = t.createDecoder({ skipSpecial });
  let s = '';
  for (const id of ids) {
    const part = d.push(id);
    s += part;
  }
  return s + d.flush();
}

for (const name of NAMES) {
  test(`${name}: decode(encode(s)) == s and streaming == decode`, { skip: need }, () => {
    const t = tok(name);
    for (const s of samples()) {
      const ids = t.encode(s, { addSpecial: false });
      assert.equal(t.decode(ids), s, `${name}: ${JSON.stringify(s.slice(0, 60))}`);
      assert.equal(streamDecode(t, ids), s);
      const withBos = t.encode(s);
      assert.equal(t.decode(withBos, { skipSpecial: true }), s);
    }
  });
}

test('stream decoder holds partial UTF-8 (byte tokens of a CJK character)', { skip: need }, () => {
  const t = tok('gpt2');
  const ids = t.encode('龘', { addSpecial: false }); // 3 bytes, GPT-2 splits it into byte tokens
  assert.ok(ids.length >= 2);
  const d = t.createDecoder();
  const parts = ids.map((id) => d.push(id));
  assert.deepEqual(parts.slice(0, -1), new Array(ids.length - 1).fill(''));
  assert.equal(parts[parts.length - 1], '龘');
  assert.equal(d.flush(), '');
  // an incomplete tail becomes U+FFFD on flush; invalid bytes never stall the stream
  const d2 = t.createDecoder();
  assert.equal(d2.push(ids[0]!), '');
  assert.equal(d2.flush(), '\uFFFD');
  const bad = t.tokenToId('ÿ')!; // byte 0xFF: never valid UTF-8
  const d3 = t.createDecoder();
  assert.equal(d3.push(bad), '\uFFFD');
  assert.equal(completePrefix(Uint8Array.of(0x61, 0xe4, 0xb8)), 1);
  assert.equal(completePrefix(Uint8Array.of(0x61, 0x80, 0x80, 0x80, 0x80)), 5);
});

test('hostile text: lone surrogates, NUL, control characters', { skip: need }, () => {
  for (const name of NAMES) {
    const t = tok(name);
    assert.equal(t.decode(t.encode('a\uD800b\uDC00c', { addSpecial: false })), 'a\uFFFDb\uFFFDc');
    assert.equal(t.decode(t.encode('x\u0000y\u0001\u007f', { addSpecial: false })), 'x\u0000y\u0001\u007f');
    assert.deepEqual(t.encode('', { addSpecial: false }), []);
    assert.equal(t.decode([-1, 1e9, 0.5]), '');
  }
});

// CPU time, not wall time: the test machine is shared by parallel jobs.
function cpuMs<T>(f: () => T): [T, number] {
  const c0 = process.cpuUsage();
  const r = f();
  const c = process.cpuUsage(c0);
  return [r, (c.user + c.system) / 1000];
}

test('1 MB of "a" and of "_" encode in under a second each', { skip: need }, () => {
  for (const name of ['gpt2', 'llama3', 'llama-spm', 'deepseek-llm']) {
    const t = tok(name);
    t.encode('warm up', { addSpecial: false });
    for (const ch of ['a', '_']) {
      const s = ch.repeat(1 << 20);
      const t0 = performance.now();
      const [ids, ms] = cpuMs(() => t.encode(s, { addSpecial: false }));
      assert.ok(ms < 1000, `${name} ${ch}: ${ms.toFixed(0)} ms CPU`);
      assert.ok(performance.now() - t0 < 10_000, `${name} ${ch}: wall time`);
      assert.equal(t.decode(ids), s);
    }
  }
});

test('10 MB of one character: no hang', { skip: need }, () => {
  const t = tok('gpt2');
  const s = ' '.repeat(10 << 20);
  const t0 = performance.now();
  const ids = t.encode(s, { addSpecial: false });
  assert.ok(performance.now() - t0 < 20_000);
  assert.equal(t.decode(ids).length, s.length);
});
