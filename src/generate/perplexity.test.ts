// Perplexity of stories260K on the golden text must be within 1% of llama-perplexity's values.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { JsBackend } from '../backend/js/index.js';
import { loadModel } from '../models/loader.js';
import { sharedPath, skipUnlessShared } from '../testing/shared.js';
import { perplexity } from './perplexity.js';
import { FakeModel, FakeTokenizer } from './testing/fakes.js';

const PPL = ['golden', 'perplexity', 'stories260K-perplexity.json'];
const MODEL = ['golden', 'models', 'stories260K.gguf'];
const TEXT = ['golden', 'perplexity', 'tinystories_sample.txt'];

describe('perplexity', () => {
  const backend = new JsBackend();
  after(() => backend.dispose());

  it('stories260K matches llama-perplexity within 1% (C=128 and C=512)', {
    skip: skipUnlessShared(...PPL) || skipUnlessShared(...MODEL),
  }, async () => {
    const golden = JSON.parse(readFileSync(sharedPath(...PPL)!, 'utf8')) as {
      text_token_ids: number[];
      runs: { n_ctx: number; n_chunks: number; final_ppl: number; running_ppl_after_each_chunk: number[] }[];
    };
    const model = await loadModel(sharedPath(...MODEL)!, { backend });
    try {
      const ids = golden.text_token_ids;
      assert.equal(ids.length, 1883);
      // When the tokenizer is attached, it must give llama.cpp's ids for the text.
      if (model.tokenizer)
        assert.deepEqual(model.tokenizer.encode(readFileSync(sharedPath(...TEXT)!, 'utf8')), ids);
      for (const run of golden.runs) {
        const r = await perplexity(model, ids, { contextLength: run.n_ctx });
        assert.equal(r.chunks, run.n_chunks);
        assert.ok(
          Math.abs(r.perplexity / run.final_ppl - 1) < 0.01,
          `C=${run.n_ctx}: ${r.perplexity} vs ${run.final_ppl}`,
        );
        r.running.forEach((p, i) => {
          assert.ok(Math.abs(p / run.running_ppl_after_each_chunk[i]! - 1) < 0.01, `chunk ${i}`);
        });
      }
    } finally {
      model.dispose();
    }
  });

  it('scores the second half of each chunk against a direct computation', async () => {
    const tok = new FakeTokenizer([]);
    const m = new FakeModel(tok, tok.vocabSize, { seed: 8, contextLength: 64 });
    const ids = Array.from({ length: 70 }, (_, i) => (i * 37) % 250);
    const r = await perplexity(m, ids, { contextLength: 16, batchSize: 5 });
    assert.equal(r.chunks, 4);
    assert.equal(r.scored, 4 * 7);
    let nll = 0;
    const row = new Float32Array(tok.vocabSize);
    for (let c = 0; c < 4; c++) {
      const chunk = ids.slice(c * 16, c * 16 + 16);
      chunk[0] = tok.bosId;
      for (let p = 8; p < 15; p++) {
        m.row(chunk.slice(0, p + 1), row);
        const lse = Math.log(row.reduce((s, x) => s + Math.exp(x), 0));
        nll += lse - row[ids[c * 16 + p + 1]!]!;
      }
    }
    assert.ok(Math.abs(r.perplexity - Math.exp(nll / 28)) < 1e-9 * r.perplexity);
    await assert.rejects(perplexity(m, ids.slice(0, 10), { contextLength: 16 }), /at least 16/);
  });
});
