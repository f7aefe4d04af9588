// GET /health, /metrics, /v1/models, /v1/models/:id, POST /tokenize, /detokenize, and the chat
// page at /.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, badRequest, modelNotFound } from '../errors.js';
import { detokenizeSchema, tokenizeSchema } from '../schemas.js';
import type { ServedModel } from '../served.js';
import { CHAT_PAGE } from '../web/page.js';
import type { ServerContext } from './context.js';

const modelCard = (m: ServedModel, id: string) => ({
  id,
  object: 'model',
  created: m.created,
  owned_by: 'llmts',
  meta: { context_length: m.contextLength, vocab_size: m.model.info.vocabSize, arch: m.model.info.arch },
});

function tokenizerOf(m: ServedModel) {
  const tok = m.model.tokenizer;
  if (tok === undefined) throw badRequest(`model ${m.id} has no tokenizer`, 'model');
  return tok;
}

export function registerMisc(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/health', { config: { public: true } }, async (_req, reply: FastifyReply) => {
    if (!ctx.models.ready)
      throw new ApiError(503, 'Loading model', 'service_unavailable_error', 'model_loading', null, 2);
    reply.header('Cache-Control', 'no-store');
    return { status: 'ok' };
  });

  app.get('/', { config: { public: true } }, async (_req, reply: FastifyReply) => {
    reply.header('Content-Type', 'text/html; charset=utf-8');
    reply.header(
      'Content-Security-Policy',
      "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'",
    );
    reply.header('X-Content-Type-Options', 'nosniff');
    return CHAT_PAGE;
  });

  app.get('/metrics', async (_req, reply: FastifyReply) => {
    reply.header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
    return ctx.metrics.render();
  });

  app.get('/v1/models', async () => {
    const data = ctx.models.ready
      ? ctx.models.list.flatMap((m) => [m.id, ...m.aliases].map((id) => modelCard(m, id)))
      : [];
    return { object: 'list', data };
  });

  app.get('/v1/models/:id', async (req: FastifyRequest) => {
    const id = (req.params as { id: string }).id;
    const m = ctx.models.get(id);
    if (m === undefined) throw modelNotFound(id);
    return modelCard(m, id);
  });

  app.post('/tokenize', { schema: { body: tokenizeSchema } }, async (req: FastifyRequest) => {
    const b = req.body as { model?: string; content: string; add_special?: boolean; with_pieces?: boolean };
    const m = ctx.models.getOrOnly(b.model);
    const tok = tokenizerOf(m);
    const ids = tok.encode(b.content, { addSpecial: b.add_special ?? false });
    if (b.with_pieces !== true) return { tokens: ids };
    const td = new TextDecoder('utf-8');
    return { tokens: ids.map((id) => ({ id, piece: td.decode(tok.tokenBytes(id)) })) };
  });

  app.post('/detokenize', { schema: { body: detokenizeSchema } }, async (req: FastifyRequest) => {
    const b = req.body as { model?: string; tokens: number[] };
    const m = ctx.models.getOrOnly(b.model);
    const tok = tokenizerOf(m);
    const v = tok.vocabSize;
    const bad = b.tokens.find((id) => id >= v);
    if (bad !== undefined)
      throw badRequest(`token ${bad} is outside the vocabulary (0..${v - 1})`, 'tokens', 'invalid_token_id');
    return { content: tok.decode(b.tokens) };
  });
}
