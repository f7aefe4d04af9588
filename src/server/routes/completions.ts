// POST /v1/completions: prompt as a string, a list of strings, a token array or a list of token
// arrays; n choices per prompt (choice index = prompt · n + i, as OpenAI numbers them).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GeneratedPiece } from '../../generate/generate.js';
import { promptIds } from '../../generate/generate.js';
import type { Tokenizer } from '../../tokenizers/tokenizer.js';
import type { JobParams } from '../engine/job.js';
import { badRequest } from '../errors.js';
import { choiceParams, type SamplingBody } from '../params.js';
import { completionSchema } from '../schemas.js';
import type { ServedModel } from '../served.js';
import type { ServerContext } from './context.js';
import { finishReason, newId, Run, SseStream, tokenText } from './run.js';

interface CompletionBody extends SamplingBody {
  prompt: string | string[] | number[] | number[][];
  logprobs?: number | null;
  echo?: boolean | null;
  suffix?: string | null;
  best_of?: number | null;
}

function prompts(m: ServedModel, p: CompletionBody['prompt']): number[][] {
  const list: (string | number[])[] =
    typeof p === 'string'
      ? [p]
      : p.length > 0 && typeof p[0] === 'number'
        ? [p as number[]]
        : (p as (string | number[])[]);
  return list.map((one, i) => {
    const param = list.length > 1 ? `prompt[${i}]` : 'prompt';
    if (typeof one !== 'string') {
      const v = m.model.info.vocabSize;
      const bad = one.find((id) => id >= v);
      if (bad !== undefined)
        throw badRequest(
          `${param}: token ${bad} is outside the vocabulary (0..${v - 1})`,
          param,
          'invalid_token_id',
        );
      if (one.length >= m.contextLength) return one; // choiceParams reports the context error
    }
    if (typeof one === 'string' && m.model.tokenizer === undefined)
      throw badRequest(`model ${m.id} has no tokenizer: send the prompt as token ids`, param);
    return promptIds(m.model, one);
  });
}

/** Completions-style logprobs of a choice: tokens, token_logprobs, top_logprobs, text_offset. */
function completionLogprobs(tok: Tokenizer | undefined, pieces: readonly GeneratedPiece[], top: number) {
  const ps = pieces.filter((p) => p.token >= 0);
  let offset = 0;
  const text_offset: number[] = [];
  for (const p of ps) {
    text_offset.push(offset);
    offset += p.text.length;
  }
  return {
    tokens: ps.map((p) => tokenText(tok, p.token)),
    token_logprobs: ps.map((p) => p.logprob ?? 0),
    top_logprobs: ps.map((p) =>
      Object.fromEntries(
        (p.topLogprobs ?? []).slice(0, top).map((t) => [tokenText(tok, t.token), t.logprob]),
      ),
    ),
    text_offset,
  };
}

export function registerCompletions(app: FastifyInstance, ctx: ServerContext): void {
  app.post(
    '/v1/completions',
    { schema: { body: completionSchema(ctx.limits) } },
    async (req: FastifyRequest, reply: FastifyReply) => {
      const b = req.body as CompletionBody;
      ctx.checkAccepting();
      const m = ctx.models.get(b.model);
      if (b.echo === true) throw badRequest('echo is not supported', 'echo', 'unsupported_parameter');
      if (b.suffix != null && b.suffix !== '')
        throw badRequest('suffix is not supported', 'suffix', 'unsupported_parameter');
      const n = b.n ?? 1;
      if (b.best_of != null && b.best_of !== n)
        throw badRequest(
          'best_of must equal n (ranking by likelihood is not supported)',
          'best_of',
          'unsupported_parameter',
        );
      const lp = b.logprobs ?? null;
      const all = prompts(m, b.prompt);
      if (all.length * n > ctx.limits.maxPrompts * ctx.limits.maxN)
        throw badRequest(`too many choices: ${all.length} prompts × n=${n}`, 'n');
      const params: JobParams[] = [];
      all.forEach((ids, k) => {
        const param = all.length > 1 ? `prompt[${k}]` : 'prompt';
        params.push(
          ...choiceParams(m, b, ids, { logprobs: lp !== null, topLogprobs: lp ?? 0, promptParam: param }),
        );
      });
      const tok = m.model.tokenizer;
      const id = newId('cmpl');
      const created = Math.floor(Date.now() / 1000);
      const base = { id, object: 'text_completion', created, model: b.model };

      if (b.stream !== true) {
        const pieces: GeneratedPiece[][] = params.map(() => []);
        const run = new Run(m, params, reply, {
          onPiece: lp !== null ? (i, p) => pieces[i]!.push(p) : undefined,
        });
        await run.done;
        const err = run.error(req.id);
        if (err) throw err;
        return {
          ...base,
          choices: run.results.map((r, i) => ({
            index: i,
            text: r.text,
            logprobs: lp !== null ? completionLogprobs(tok, pieces[i]!, lp) : null,
            finish_reason: finishReason(r),
          })),
          usage: run.usage(b.n ?? 1),
        };
      }

      const usageNull = b.stream_options?.include_usage === true ? { usage: null } : {};
      let sse: SseStream | undefined;
      const run = new Run(m, params, reply, {
        onPiece(i, p) {
          const withLp = lp !== null && p.token >= 0;
          if (p.text === '' && !withLp) return;
          sse?.send({
            ...base,
            choices: [
              {
                index: i,
                text: p.text,
                logprobs: withLp ? completionLogprobs(tok, [p], lp) : null,
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
              choices: [{ index: i, text: '', logprobs: null, finish_reason: finishReason(r) }],
              ...usageNull,
            });
        },
      });
      const stream = new SseStream(reply, ctx.metrics);
      sse = stream;
      for (const j of run.jobs) j.paused = () => stream.congested;
      await run.done;
      if (b.stream_options?.include_usage === true)
        stream.send({ ...base, choices: [], usage: run.usage(b.n ?? 1) });
      stream.end();
      return reply;
    },
  );
}
