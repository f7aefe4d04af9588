// POST /v1/embeddings: mean-pooled, L2-normalised final hidden states; `encoding_format: base64`
// returns little-endian float32 bytes (what the official clients ask for by default).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { embed } from '../engine/embed.js';
import { badRequest, contextExceeded } from '../errors.js';
import { embeddingSchema } from '../schemas.js';
import type { ServerContext } from './context.js';

interface EmbeddingBody {
  model: string;
  input: string | string[] | number[] | number[][];
  encoding_format?: 'float' | 'base64' | null;
  dimensions?: number | null;
}

export function registerEmbeddings(app: FastifyInstance, ctx: ServerContext): void {
  app.post(
    '/v1/embeddings',
    { schema: { body: embeddingSchema(ctx.limits) } },
    async (req: FastifyRequest) => {
      const b = req.body as EmbeddingBody;
      ctx.checkAccepting();
      const m = ctx.models.get(b.model);
      const dim = m.model.info.dim;
      if (b.dimensions != null && b.dimensions !== dim)
        throw badRequest(
          `dimensions must be ${dim} for this model (no truncation)`,
          'dimensions',
          'unsupported_parameter',
        );
      const inp = b.input;
      const list: (string | number[])[] =
        typeof inp === 'string'
          ? [inp]
          : inp.length > 0 && typeof inp[0] === 'number'
            ? [inp as number[]]
            : (inp as (string | number[])[]);
      const tok = m.model.tokenizer;
      const v = m.model.info.vocabSize;
      let total = 0;
      const ids = list.map((x, i) => {
        const param = list.length > 1 ? `input[${i}]` : 'input';
        let t: number[];
        if (typeof x === 'string') {
          if (tok === undefined) throw badRequest(`model ${m.id} has no tokenizer: send token ids`, param);
          t = tok.encode(x);
        } else {
          const bad = x.find((id) => id >= v);
          if (bad !== undefined)
            throw badRequest(`${param}: token ${bad} is outside the vocabulary`, param, 'invalid_token_id');
          t = x;
        }
        if (t.length === 0) throw badRequest(`${param} is empty`, param);
        if (t.length > m.contextLength) throw contextExceeded(t.length, m.contextLength, param);
        total += t.length;
        return t;
      });
      if (total > ctx.limits.maxEmbeddingTokens)
        throw badRequest(
          `the inputs hold ${total} tokens; at most ${ctx.limits.maxEmbeddingTokens} per request`,
          'input',
        );
      const vectors = await embed(m.model, ids);
      m.metrics.promptTokens += total;
      const base64 = b.encoding_format === 'base64';
      return {
        object: 'list',
        data: vectors.map((vec, index) => ({
          object: 'embedding',
          index,
          embedding: base64
            ? Buffer.from(vec.buffer, vec.byteOffset, vec.byteLength).toString('base64')
            : Array.from(vec),
        })),
        model: b.model,
        usage: { prompt_tokens: total, total_tokens: total },
      };
    },
  );
}
