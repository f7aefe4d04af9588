import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChatSession } from './chat.js';
import { generateText } from './generate.js';
import { FakeModel, FakeTokenizer } from './testing/fakes.js';

const TEMPLATE =
  "{{ bos_token }}{% for m in messages %}<{{ m['role'] }}>{{ m['content'] }}</s>{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}";
const tok = new FakeTokenizer(['<user>', '<assistant>', '<system>'], TEMPLATE);
const model = new FakeModel(tok, tok.vocabSize, { seed: 4, contextLength: 400 });

async function drain(s: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of s);
}

describe('ChatSession', () => {
  it('renders the template, reuses the KV cache across turns, and matches a fresh run', async () => {
    const chat = new ChatSession(model, { system: 'sys' });
    const o = { temperature: 0, maxTokens: 12 } as const;
    const s1 = chat.send('hello', o);
    await drain(s1);
    const r1 = await s1.result;
    assert.equal(chat.messages.length, 3);
    assert.equal(chat.messages[2]!.content, r1.text);
    const before = model.tokensSeen;
    const s2 = chat.send('again', o);
    await drain(s2);
    const r2 = await s2.result;
    const seen = model.tokensSeen - before;
    assert.ok(r2.usage.cachedTokens > 0, 'second turn reuses the cache');
    // Same reply as a fresh generation from the fully rendered prompt.
    const ids = chat.lastPromptIds;
    assert.equal(tok.decode(ids), chat.render(chat.messages.slice(0, 4)));
    assert.equal(ids[0], tok.bosId);
    assert.ok(tok.decode(ids).startsWith('<s><system>sys</s><user>hello</s><assistant>'), tok.decode(ids));
    const fresh = await generateText(model, ids, o);
    assert.deepEqual(r2.tokens, fresh.tokens);
    // Only the suffix after the cached prefix (the new user turn) was computed, plus decode steps.
    assert.ok(seen < ids.length - r2.usage.cachedTokens + 12 + 1, `${seen}`);
    assert.ok(r2.usage.cachedTokens > ids.length / 2, `${r2.usage.cachedTokens} of ${ids.length}`);
    chat.reset();
    assert.deepEqual(chat.messages, [{ role: 'system', content: 'sys' }]);
    assert.equal(chat.sequence.length, 0);
  });

  it('context full: clear error, or a sliding window when asked', async () => {
    const small = new ChatSession(model, { contextLength: 60 });
    await drain(small.send('x'.repeat(20), { temperature: 0, maxTokens: 5 }));
    assert.throws(() => small.send('y'.repeat(40)), /no longer fits the context of 60/);
    assert.equal(small.messages.length, 2); // the failed message is not kept
    const sliding = new ChatSession(model, { contextLength: 60, slidingWindow: true });
    for (let i = 0; i < 4; i++)
      await drain(sliding.send(`turn ${i} ${'z'.repeat(12)}`, { temperature: 0, maxTokens: 4 }));
    assert.ok(sliding.messages.length < 8);
    assert.equal(sliding.messages.at(-2)!.content, `turn 3 ${'z'.repeat(12)}`);
  });

  it('a model without a template needs a fallback', () => {
    const plain = new FakeTokenizer([]);
    const m = new FakeModel(plain, plain.vocabSize);
    assert.throws(() => new ChatSession(m), /no chat template/);
    assert.doesNotThrow(() => new ChatSession(m, { fallbackTemplate: 'chatml' }));
  });
});
