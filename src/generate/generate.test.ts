import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type GeneratedPiece, generate, generateText } from './generate.js';
import { Sequence } from './sequence.js';
import { StopMatcher } from './stop.js';
import { FakeModel, FakeTokenizer, referenceGreedy } from './testing/fakes.js';

const tok = new FakeTokenizer(['hello', ' world', 'STO', 'P', 'é']);
const model = new FakeModel(tok, tok.vocabSize, { seed: 5 });

async function collect(stream: AsyncIterable<GeneratedPiece>): Promise<GeneratedPiece[]> {
  const out: GeneratedPiece[] = [];
  for await (const p of stream) out.push(p);
  return out;
}

describe('StopMatcher', () => {
  it('matches across pushes, holds back possible prefixes, never emits the stop', () => {
    const m = new StopMatcher(['STOP', 'xyz']);
    assert.equal(m.push('abc ST'), 'abc ');
    assert.equal(m.push('O'), '');
    assert.equal(m.push('P tail'), '');
    assert.equal(m.matched, 'STOP');
    assert.equal(m.flush(), '');
    const n = new StopMatcher(['STOP']);
    assert.equal(n.push('ST'), '');
    assert.equal(n.push('AR'), 'STAR');
    assert.equal(n.push('S'), '');
    assert.equal(n.flush(), 'S');
  });
  it('picks the earliest stop string', () => {
    const m = new StopMatcher(['b', 'abc']);
    assert.equal(m.push('xxabc'), 'xx');
    assert.equal(m.matched, 'abc');
  });
});

describe('generate', () => {
  it('greedy equals full recomputation and respects maxTokens', async () => {
    const prompt = [tok.bosId, 104, 105];
    const r = await generateText(model, prompt, { temperature: 0, maxTokens: 40, ignoreEos: true });
    assert.deepEqual(r.tokens, referenceGreedy(model, prompt, 40, new Set()));
    assert.equal(r.finishReason, 'length');
    assert.equal(r.usage.completionTokens, 40);
    assert.equal(r.usage.promptTokens, 3);
    assert.equal(r.text, tok.decode(r.tokens));
    assert.ok(r.timings.tokensPerSecond > 0);
  });

  it('same seed → same text; different seed → different text', async () => {
    const a = await generateText(model, 'hello', {
      seed: 7,
      maxTokens: 30,
      temperature: 1.5,
      ignoreEos: true,
    });
    const b = await generateText(model, 'hello', {
      seed: 7,
      maxTokens: 30,
      temperature: 1.5,
      ignoreEos: true,
    });
    const c = await generateText(model, 'hello', {
      seed: 8,
      maxTokens: 30,
      temperature: 1.5,
      ignoreEos: true,
    });
    assert.deepEqual(a.tokens, b.tokens);
    assert.notDeepEqual(a.tokens, c.tokens);
    assert.equal(a.seed, 7);
  });

  it('stops at EOS without emitting it', async () => {
    // Bias EOS so it comes within a few tokens.
    const bias = new Float32Array(tok.vocabSize);
    bias[tok.eosId] = 4.5;
    const m = new FakeModel(tok, tok.vocabSize, { seed: 3, bias });
    const r = await generateText(m, 'hello', { temperature: 0, maxTokens: 200 });
    assert.equal(r.finishReason, 'stop');
    assert.ok(!r.tokens.includes(tok.eosId));
    assert.equal(r.usage.completionTokens, r.tokens.length + 1);
    assert.deepEqual(r.tokens, referenceGreedy(m, tok.encode('hello'), 200, new Set([tok.eosId])));
  });

  it('stop strings across token boundaries are never emitted', async () => {
    const plain = await collect(generate(model, 'hello', { temperature: 0, maxTokens: 30, ignoreEos: true }));
    const texts = plain.map((p) => p.text);
    const full = texts.join('');
    // A stop string made of the last character of one piece and the first of the next.
    let k = 3;
    while (!(texts[k - 1]!.length > 0 && texts[k]!.length > 0)) k++;
    const before = texts.slice(0, k).join('');
    const stop = before.slice(-1) + texts[k]!.slice(0, 1);
    const stream = generate(model, 'hello', { temperature: 0, maxTokens: 30, ignoreEos: true, stop: [stop] });
    const got = await collect(stream);
    const r = await stream.result;
    assert.equal(r.finishReason, 'stop');
    assert.equal(r.stop, stop);
    assert.equal(r.text, full.slice(0, full.indexOf(stop)));
    assert.equal(got.map((p) => p.text).join(''), r.text);
    assert.ok(!got.some((p) => p.text.includes(stop)));
  });

  it('never splits a UTF-8 character across pieces', async () => {
    // A model that always wants byte 0xC3 then 0xA9 ('é' in two tokens).
    class Utf8Model extends FakeModel {
      override row(ctx: readonly number[], out: Float32Array): void {
        out.fill(0);
        out[ctx[ctx.length - 1] === 0xc3 ? 0xa9 : 0xc3] = 10;
      }
    }
    const m = new Utf8Model(tok, tok.vocabSize);
    const stream = generate(m, [tok.bosId], { temperature: 0, maxTokens: 5, ignoreEos: true });
    const pieces = await collect(stream);
    assert.deepEqual(
      pieces.map((p) => p.text),
      ['', 'é', '', 'é', '', '\ufffd'],
    );
    assert.equal((await stream.result).text, 'éé\ufffd');
  });

  it('skips special tokens in the text unless asked', async () => {
    class BosModel extends FakeModel {
      override row(ctx: readonly number[], out: Float32Array): void {
        out.fill(0);
        out[ctx.length % 2 === 0 ? tok.bosId : 104] = 10;
      }
    }
    const m = new BosModel(tok, tok.vocabSize);
    const plain = await generateText(m, [104], { temperature: 0, maxTokens: 4 });
    assert.deepEqual(plain.tokens, [104, tok.bosId, 104, tok.bosId]);
    assert.equal(plain.text, 'hh');
    const special = await generateText(m, [104], { temperature: 0, maxTokens: 4, special: true });
    assert.equal(special.text, 'h<s>h<s>');
  });

  it('aborts between tokens', async () => {
    const ac = new AbortController();
    const stream = generate(model, 'hello', {
      temperature: 0,
      maxTokens: 1000,
      ignoreEos: true,
      signal: ac.signal,
    });
    let n = 0;
    for await (const _ of stream) if (++n === 5) ac.abort();
    const r = await stream.result;
    assert.equal(r.finishReason, 'abort');
    assert.equal(r.tokens.length, 5);
  });

  it('breaking out of the loop still resolves the result (abort)', async () => {
    const stream = generate(model, 'hello', { temperature: 0, maxTokens: 100, ignoreEos: true });
    let n = 0;
    for await (const _ of stream) if (++n === 3) break;
    const r = await stream.result;
    assert.equal(r.finishReason, 'abort');
    assert.equal(r.tokens.length, 3);
  });

  it('an abort during a long prefill stops before decoding', async () => {
    const ac = new AbortController();
    const prompt = Array.from({ length: 200 }, (_, i) => i % 250);
    const stream = generate(model, prompt, {
      batchSize: 16,
      signal: ac.signal,
      onPromptProgress: (done) => {
        if (done >= 32) ac.abort();
      },
    });
    const pieces = await collect(stream);
    const r = await stream.result;
    assert.equal(r.finishReason, 'abort');
    assert.equal(pieces.length, 0);
    assert.equal(r.usage.completionTokens, 0);
  });

  it('reports logprobs of the raw distribution and top alternatives', async () => {
    const stream = generate(model, 'hello', {
      temperature: 0,
      maxTokens: 3,
      ignoreEos: true,
      topLogprobs: 3,
    });
    const pieces = await collect(stream);
    const ctx = tok.encode('hello');
    const row = new Float32Array(tok.vocabSize);
    for (const p of pieces) {
      if (p.token < 0) continue;
      model.row(ctx, row);
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
      assert.ok(Math.abs(p.logprob! - (row[p.token]! - lse)) < 1e-9);
      assert.equal(p.topLogprobs!.length, 3);
      assert.equal(p.topLogprobs![0]!.token, p.token); // greedy = top-1
      assert.ok(p.topLogprobs![0]!.logprob >= p.topLogprobs![1]!.logprob);
      ctx.push(p.token);
    }
  });

  it('reuses the KV cache of a sequence (longest common prefix)', async () => {
    const seq = new Sequence(model, { contextLength: 128 });
    const a = await generateText(model, [1, 2, 3, 4, 5, 6], {
      temperature: 0,
      maxTokens: 5,
      sequence: seq,
      ignoreEos: true,
    });
    assert.equal(a.usage.cachedTokens, 0);
    const prompt2 = [1, 2, 3, 4, 5, 6, ...a.tokens.slice(0, 3), 9];
    const before = model.tokensSeen;
    const b = await generateText(model, prompt2, {
      temperature: 0,
      maxTokens: 5,
      sequence: seq,
      ignoreEos: true,
    });
    assert.equal(b.usage.cachedTokens, 9);
    assert.deepEqual(b.tokens, referenceGreedy(model, prompt2, 5, new Set()));
    assert.equal(model.tokensSeen - before, 1 + 4); // only the new suffix, then 4 decode steps
  });

  it('stops with length when the context is full; rejects prompts that do not fit', async () => {
    const r = await generateText(model, [1, 2, 3], { temperature: 0, contextLength: 10, ignoreEos: true });
    assert.equal(r.finishReason, 'length');
    assert.equal(r.tokens.length, 8); // 3 + 7 in cache, plus the last sampled (never fed)
    await assert.rejects(
      generateText(model, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], { contextLength: 10 }),
      /does not fit/,
    );
    await assert.rejects(generateText(model, [1, 99999]), /not an id/);
  });
});

describe('speculative decoding', () => {
  it('gives exactly the plain greedy output, with an acceptance rate', async () => {
    const draft = new FakeModel(tok, tok.vocabSize, { seed: 5, diverge: 3 });
    const prompt = [tok.bosId, 104, 101];
    const plain = await generateText(model, prompt, { temperature: 0, maxTokens: 60, ignoreEos: true });
    const calls = model.forwardCalls;
    const spec = await generateText(model, prompt, {
      temperature: 0,
      maxTokens: 60,
      ignoreEos: true,
      draft: { model: draft, nDraft: 4 },
    });
    assert.deepEqual(spec.tokens, plain.tokens);
    const s = spec.speculative!;
    assert.ok(s.drafted > 0 && s.accepted > 0 && s.accepted < s.drafted, JSON.stringify(s));
    assert.ok(model.forwardCalls - calls < 60, 'fewer target forward calls than tokens');
  });

  it('gives exactly the plain sampled output for a seed', async () => {
    const draft = new FakeModel(tok, tok.vocabSize, { seed: 5, diverge: 4 });
    const o = { temperature: 0.7, seed: 11, maxTokens: 50, ignoreEos: true, repeatPenalty: 1.2 } as const;
    const plain = await generateText(model, 'hello', o);
    const spec = await generateText(model, 'hello', { ...o, draft: { model: draft, nDraft: 5 } });
    assert.deepEqual(spec.tokens, plain.tokens);
  });
});
