// POST /v1/chat/completions
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GeneratedPiece } from '../../generate/generate.js';
import type { ChatMessage } from '../../tokenizers/chat-template.js';
import { badRequest } from '../errors.js';
import { choiceParams, type SamplingBody } from '../params.js';
import { chatPromptIds } from '../prompt.js';
import { chatSchema } from '../schemas.js';
import type { ServerContext } from './context.js';
import { chatLogprob, finishReason, newId, Run, SseStream } from './run.js';

interface ChatBody extends SamplingBody {
  messages: { role: string; content?: string | null | { type: string; text?: string }[]; name?: string }[];
  logprobs?: boolean | null;
  top_logprobs?: number | null;
}

function toMessages(body: ChatBody): ChatMessage[] {
  return body.messages.map((m) => {
    const content = Array.isArray(m.content)
      ? m.content.map((p) => p.text ?? '').join('')
      : (m.content ?? null);
    const msg: ChatMessage = { role: m.role === 'developer' ? 'system' : m.role, content };
    if (m.name !== undefined) msg.name = m.name;
    return msg;
  });
}

export function registerChat(app: FastifyInstance, ctx: ServerContext): void {
  app.post(
    '/v1/chat/completions',
    { schema: { body: chatSchema(ctx.limits) } },
    async (req: FastifyRequest, reply: FastifyReply) => {
      const b = req.body as ChatBody;
      ctx.checkAccepting();
      const m = ctx.models.get(b.model);
      const tok = m.model.tokenizer;
      const wantLp = b.logprobs === true;
      const top = b.top_logprobs ?? 0;
      if (top > 0 && !wantLp) throw badRequest('top_logprobs needs logprobs: true', 'top_logprobs');
      const ids = chatPromptIds(tok!, m.template(), toMessages(b));
      const params = choiceParams(m, b, ids, {
        logprobs: wantLp,
        topLogprobs: wantLp ? top : 0,
        promptParam: 'messages',
      });
      const id = newId('chatcmpl');
      const created = Math.floor(Date.now() / 1000);
      const base = { id, object: 'chat.completion.chunk', created, model: b.model };

      if (b.stream !== true) {
        const pieces: GeneratedPiece[][] = params.map(() => []);
        const run = new Run(m, params, reply, { onPiece: wantLp ? (i, p) => pieces[i]!.push(p) : undefined });
        await run.done;
        const err = run.error(req.id);
        if (err) throw err;
        return {
          id,
          object: 'chat.completion',
          created,
          model: b.model,
          choices: run.results.map((r, i) => ({
            index: i,
            message: { role: 'assistant', content: r.text },
            logprobs: wantLp
              ? { content: pieces[i]!.filter((p) => p.token >= 0).map((p) => chatLogprob(tok, p, top > 0)) }
              : null,
            finish_reason: finishReason(r),
          })),
          usage: run.usage(b.n ?? 1),
        };
      }

      const usageNull = b.stream_options?.include_usage === true ? { usage: null } : {};
      let sse: SseStream | undefined;
      const run = new Run(m, params, reply, {
        onPiece(i, p) {
          const lp = wantLp && p.token >= 0;
          if (p.text === '' && !lp) return;
          sse?.send({
            ...base,
            choices: [
              {
                index: i,
                delta: { content: p.text },
                logprobs: lp ? { content: [chatLogprob(tok, p, top > 0)] } : null,
                finish_reason: null,
              },
            ],
            ...usageNull,
          });
        },
        onEnd(i, r) {
          if (r.finishReason === 'error') sse?.send(run.error(req.id)!.body());
          else if (r.finishReason !== 'abort')
            sse?.send({
              ...base,
              choices: [{ index: i, delta: {}, logprobs: null, finish_reason: finishReason(r) }],
              ...usageNull,
            });
        },
      });
      const stream = new SseStream(reply, ctx.metrics);
      sse = stream;
      for (let i = 0; i < params.length; i++)
        stream.send({
          ...base,
          choices: [
            { index: i, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null },
          ],
          ...usageNull,
        });
      for (const j of run.jobs) j.paused = () => stream.congested;
      await run.done;
      if (b.stream_options?.include_usage === true)
        stream.send({ ...base, choices: [], usage: run.usage(b.n ?? 1) });
      stream.end();
      return reply;
    },
  );
}
