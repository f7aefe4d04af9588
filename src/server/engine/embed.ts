// Embeddings: mean of the final-norm hidden states over the input's tokens, L2-normalised.
// CausalLM has no embedding call yet, so this runs the blocks of a DecoderLM (every family here)
// on its own KV cache and workspace and applies the final norm. (Requested from the models
// helper: a `CausalLM.embed(tokens)` returning [T, dim] final-norm states.)

import type { CausalLM } from '../../models/causal-lm.js';
import { DecoderLM } from '../../models/common/decoder-lm.js';
import { Workspace } from '../../models/common/workspace.js';
import type { SeqSpan } from '../../nn/attention.js';
import { KVCache } from '../../nn/kv-cache.js';
import { badRequest } from '../errors.js';

/** Tokens per forward call while embedding. */
const CHUNK = 128;

export function canEmbed(model: CausalLM): boolean {
  return model instanceof DecoderLM;
}

const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** One L2-normalised embedding [dim] per input; yields to the event loop between chunks. */
export async function embed(
  model: CausalLM,
  inputs: readonly (readonly number[])[],
): Promise<Float32Array[]> {
  if (!(model instanceof DecoderLM)) throw badRequest('this model cannot produce embeddings', 'model');
  const c = model.config;
  const b = model.backend;
  const dim = c.dim;
  const longest = inputs.reduce((m, x) => Math.max(m, x.length), 0);
  const kvDim = c.nKvHead * c.headDim;
  const cache = new KVCache(b, c.nLayer, longest, kvDim);
  let ws: Workspace;
  try {
    ws = new Workspace(b, c, Math.min(CHUNK, longest), 1);
  } catch (e) {
    cache.dispose();
    throw e;
  }
  try {
    const rows = new Float32Array(ws.tokens * dim); // [chunk, dim]
    const out: Float32Array[] = [];
    for (const ids of inputs) {
      model.checkTokens(ids);
      const sum = new Float64Array(dim);
      for (let at = 0; at < ids.length; at += ws.tokens) {
        const t = Math.min(ws.tokens, ids.length - at);
        for (let i = 0; i < t; i++) {
          ws.ids[i] = ids[at + i]!;
          ws.positions[i] = at + i;
        }
        const spans: SeqSpan[] = [{ start: 0, count: t, pos0: at, cache }];
        model.runBlocks(ws, spans, t); // ws.x: [t, dim]
        model.parts.output_norm.forward(ws.h, ws.x, t); // ws.h: [t, dim]
        b.read(ws.h, rows.subarray(0, t * dim));
        for (let i = 0; i < t; i++) for (let d = 0; d < dim; d++) sum[d]! += rows[i * dim + d]!;
        await yieldToLoop();
      }
      let norm = 0;
      for (let d = 0; d < dim; d++) norm += sum[d]! * sum[d]!;
      const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      out.push(Float32Array.from(sum, (x) => x * scale));
    }
    return out;
  } finally {
    ws.dispose();
    cache.dispose();
  }
}
