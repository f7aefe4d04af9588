// Perplexity by llama-perplexity's method (llama.cpp examples/perplexity, perplexity()): split the
// ids into floor(n / ctx) non-overlapping chunks of ctx tokens, replace each chunk's first token
// with BOS, run the chunk, and score only the second half (positions ctx/2 .. ctx-2 predicting
// the next token). PPL = exp(mean NLL) over all scored tokens, accumulated across chunks.
import { UsageError } from '../errors.js';
import type { CausalLM } from '../models/causal-lm.js';

export interface PerplexityOptions {
  /** Chunk size in tokens (llama-perplexity -c). Default 512 capped by the model's context. */
  contextLength?: number;
  /** Tokens per forward call (default: the chunk size, capped at 512). */
  batchSize?: number;
  /** KV-cache storage: 'f32' (default) or 'q8_0'. */
  cacheType?: 'f32' | 'q8_0';
  /** Replace each chunk's first token with BOS (default: when the model has a BOS id). */
  bos?: boolean;
  signal?: AbortSignal;
  /** Called after each chunk with the running perplexity. */
  onChunk?: (done: number, total: number, ppl: number) => void;
}

export interface PerplexityResult {
  perplexity: number;
  /** Standard error as llama-perplexity prints it (delta method on the NLL). */
  stderr: number;
  chunks: number;
  /** Tokens scored. */
  scored: number;
  ctx: number;
  /** Running perplexity after each chunk. */
  running: number[];
}

const tick = (): Promise<void> =>
  typeof globalThis.setImmediate === 'function'
    ? new Promise((r) => setImmediate(r))
    : new Promise((r) => setTimeout(r, 0));

export async function perplexity(
  model: CausalLM,
  ids: readonly number[],
  opts: PerplexityOptions = {},
): Promise<PerplexityResult> {
  const ctx = opts.contextLength ?? Math.min(512, model.info.contextLength);
  if (!Number.isInteger(ctx) || ctx < 4)
    throw new UsageError(`context must be an integer ≥ 4, got ${ctx}`, { field: 'ctx' });
  const nChunks = Math.floor(ids.length / ctx);
  if (nChunks < 1)
    throw new UsageError(`the text has ${ids.length} tokens; perplexity needs at least ${ctx} (one chunk)`, {
      field: 'text',
    });
  const V = model.info.vocabSize;
  const bos = model.tokenizer?.bosId ?? model.info.bosId;
  const useBos = (opts.bos ?? bos !== undefined) && bos !== undefined;
  const batch = Math.min(ctx, opts.batchSize ?? 512);
  const session = model.newSession({ contextLength: ctx, maxBatch: batch, cacheType: opts.cacheType });
  const first = ctx >> 1;
  let nll = 0;
  let nll2 = 0;
  let count = 0;
  const running: number[] = [];
  try {
    for (let c = 0; c < nChunks; c++) {
      if (opts.signal?.aborted) break;
      session.reset();
      const start = c * ctx;
      const chunk = ids.slice(start, start + ctx);
      if (useBos) chunk[0] = bos!;
      for (let at = 0; at < ctx; at += batch) {
        const end = Math.min(ctx, at + batch);
        // Logits are needed for positions first .. ctx-2 only.
        const needs = end > first;
        const logits = session.forward(chunk.slice(at, end), needs ? 'all' : 'none');
        if (!needs) continue;
        for (let p = Math.max(at, first); p < Math.min(end, ctx - 1); p++) {
          const row = logits.subarray((p - at) * V, (p - at + 1) * V);
          let max = Number.NEGATIVE_INFINITY;
          for (let i = 0; i < V; i++) if (row[i]! > max) max = row[i]!;
          let sum = 0;
          for (let i = 0; i < V; i++) sum += Math.exp(row[i]! - max);
          const target = ids[start + p + 1]!;
          const v = max + Math.log(sum) - row[target]!;
          nll += v;
          nll2 += v * v;
          count++;
        }
      }
      const ppl = Math.exp(nll / count);
      running.push(ppl);
      opts.onChunk?.(c + 1, nChunks, ppl);
      await tick();
    }
  } finally {
    session.dispose();
  }
  if (count === 0) throw new UsageError('perplexity was aborted before the first chunk', { field: 'signal' });
  const mean = nll / count;
  const variance = nll2 / count - mean * mean;
  const stderr = count > 1 ? Math.sqrt(Math.max(0, variance) / (count - 1)) * Math.exp(mean) : 0;
  return { perplexity: Math.exp(mean), stderr, chunks: running.length, scored: count, ctx, running };
}
