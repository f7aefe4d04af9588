// Server embeddings through CausalLM.embed equal the former computation (the DecoderLM's blocks
// and final norm run directly, 128-token chunks), mean-pooled and L2-normalised, on stories260K.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DecoderLM } from '../../models/common/decoder-lm.js';
import { Workspace } from '../../models/common/workspace.js';
import type { SeqSpan } from '../../nn/attention.js';
import { KVCache } from '../../nn/kv-cache.js';
import { skipUnlessShared } from '../../testing/shared.js';
import { loadStories, STORIES_PARTS } from '../test-support.js';
import { embed } from './embed.js';

const skip = skipUnlessShared(...STORIES_PARTS);

/** The server's embedding before CausalLM.embed existed (reference). */
function formerEmbedding(model: DecoderLM, ids: readonly number[]): Float32Array {
  const c = model.config;
  const b = model.backend;
  const dim = c.dim;
  const cache = new KVCache(b, c.nLayer, ids.length, c.nKvHead * c.headDim);
  const ws = new Workspace(b, c, Math.min(128, ids.length), 1);
  try {
    const rows = new Float32Array(ws.tokens * dim); // [chunk, dim]
    const sum = new Float64Array(dim);
    for (let at = 0; at < ids.length; at += ws.tokens) {
      const t = Math.min(ws.tokens, ids.length - at);
      for (let i = 0; i < t; i++) {
        ws.ids[i] = ids[at + i]!;
        ws.positions[i] = at + i;
      }
      const spans: SeqSpan[] = [{ start: 0, count: t, pos0: at, cache }];
      model.runBlocks(ws, spans, t);
      model.parts.output_norm.forward(ws.h, ws.x, t);
      b.read(ws.h, rows.subarray(0, t * dim));
      for (let i = 0; i < t; i++) for (let d = 0; d < dim; d++) sum[d]! += rows[i * dim + d]!;
    }
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += sum[d]! * sum[d]!;
    return Float32Array.from(sum, (x) => x / Math.sqrt(norm));
  } finally {
    ws.dispose();
    cache.dispose();
  }
}

describe('server embeddings via CausalLM.embed (stories260K)', { skip }, () => {
  test('equal the former mean-pooled, L2-normalised final-norm states', async () => {
    const model = await loadStories();
    assert.ok(model instanceof DecoderLM);
    const tok = model.tokenizer!;
    const long = tok.encode('Lily and Tom went to the park. '.repeat(40)).slice(0, 300); // > one chunk
    assert.equal(long.length, 300);
    const inputs = [tok.encode('Lily was happy.'), long, [tok.bosId!]];
    const got = await embed(model, inputs);
    assert.equal(got.length, inputs.length);
    for (let i = 0; i < inputs.length; i++) {
      const want = formerEmbedding(model, inputs[i]!);
      assert.equal(got[i]!.length, model.info.dim);
      let worst = 0;
      let norm = 0;
      for (let d = 0; d < want.length; d++) {
        worst = Math.max(worst, Math.abs(got[i]![d]! - want[d]!));
        norm += got[i]![d]! ** 2;
      }
      assert.ok(worst <= 1e-6, `input ${i}: max difference ${worst}`);
      assert.ok(Math.abs(norm - 1) < 1e-5);
    }
  });
});
