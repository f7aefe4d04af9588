// Running a request's choices on the scheduler, for both response styles: collected into one JSON
// body, or streamed as Server-Sent Events (`data: {json}\n\n` … `data: [DONE]\n\n`). A client
// that goes away cancels its sequences; a slow reader pauses its sequences (backpressure) instead
// of buffering without bound. Errors after the headers are sent in-band as `data: {"error": …}`.
import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import type { GeneratedPiece } from '../../generate/generate.js';
import type { TokenLogprob } from '../../generate/logprobs.js';
import type { Tokenizer } from '../../tokenizers/tokenizer.js';
import { Job, type JobParams, type JobResult } from '../engine/job.js';
import { type ApiError, toApiError } from '../errors.js';
import type { ServerMetrics } from '../metrics.js';
import type { ServedModel } from '../served.js';

export interface RunHandlers {
  onPiece?(choice: number, piece: GeneratedPiece): void;
  onEnd?(choice: number, result: JobResult): void;
}

/** The choices of one request, running on a model's scheduler. */
export class Run {
  readonly jobs: Job[];
  readonly results: JobResult[] = [];
  readonly done: Promise<void>;
  private left: number;
  private resolveDone!: () => void;

  /** Creates the jobs (400 on bad parameters) and queues them (429 when full). */
  constructor(
    readonly served: ServedModel,
    params: readonly JobParams[],
    reply: FastifyReply,
    handlers: RunHandlers,
  ) {
    this.left = params.length;
    this.done = new Promise((r) => {
      this.resolveDone = r;
    });
    this.jobs = params.map(
      (p, i) =>
        new Job(
          served.model,
          p,
          {
            onPiece: (piece) => handlers.onPiece?.(i, piece),
            onEnd: (r) => {
              this.results[i] = r;
              handlers.onEnd?.(i, r);
              if (--this.left === 0) this.resolveDone();
            },
          },
          served.contextLength,
        ),
    );
    served.scheduler.submit(this.jobs);
    reply.raw.on('close', () => {
      for (const j of this.jobs) served.scheduler.cancel(j);
    });
  }

  /** The first engine error among the results, as an ApiError. */
  error(requestId: string): ApiError | undefined {
    const bad = this.results.find((r) => r.finishReason === 'error');
    return bad === undefined ? undefined : toApiError(bad.error, requestId);
  }

  /** Token counts; each prompt is counted once although its n choices each ran it. */
  usage(n: number) {
    const per = (f: (r: JobResult) => number) =>
      Math.round(this.results.reduce((s, r) => s + f(r), 0) / Math.max(1, n));
    const prompt = per((r) => r.promptTokens);
    const completion = this.results.reduce((s, r) => s + r.completionTokens, 0);
    return {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
      prompt_tokens_details: { cached_tokens: per((r) => r.cachedTokens) },
    };
  }
}

export const finishReason = (r: JobResult): 'stop' | 'length' =>
  r.finishReason === 'length' ? 'length' : 'stop';

export function newId(prefix: string): string {
  return `${prefix}-${randomBytes(12).toString('hex')}`;
}

/** Seconds of silence after which a `: ping` comment keeps proxies from timing out (SSE-09). */
const PING_MS = 10_000;

/** An SSE response on a hijacked reply. */
export class SseStream {
  private closed = false;
  private lastWrite = Date.now();
  private readonly ping: NodeJS.Timeout;

  constructor(
    private readonly reply: FastifyReply,
    metrics: ServerMetrics,
  ) {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    metrics.countResponse(200);
    this.ping = setInterval(() => {
      if (!this.closed && Date.now() - this.lastWrite >= PING_MS) this.write(': ping\n\n');
    }, PING_MS);
    this.ping.unref();
    raw.on('close', () => {
      this.closed = true;
      clearInterval(this.ping);
    });
    raw.on('error', () => {
      this.closed = true; // a reset connection; 'close' follows and cancels the run
    });
  }

  private write(text: string): void {
    const raw = this.reply.raw;
    if (raw.destroyed || raw.writableEnded) return;
    this.lastWrite = Date.now();
    raw.write(text);
  }

  /** True while the socket's buffer is over its high-water mark. */
  get congested(): boolean {
    return this.reply.raw.writableNeedDrain;
  }

  send(data: unknown): void {
    if (this.closed) return;
    this.write(`data: ${JSON.stringify(data)}\n\n`);
  }

  /** Ends the stream: `data: [DONE]`, then closes the response. */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.ping);
    const raw = this.reply.raw;
    if (!raw.destroyed && !raw.writableEnded) raw.end('data: [DONE]\n\n');
  }
}

const utf8 = new TextDecoder('utf-8');

/** The text of one token (its bytes decoded; a partial UTF-8 character shows as U+FFFD). */
export function tokenText(tok: Tokenizer | undefined, id: number): string {
  return tok === undefined ? `<${id}>` : utf8.decode(tok.tokenBytes(id));
}

/** Chat-style logprob entry: {token, logprob, bytes, top_logprobs}. */
export function chatLogprob(tok: Tokenizer | undefined, p: GeneratedPiece, top: boolean) {
  const entry = (t: TokenLogprob) => ({
    token: tokenText(tok, t.token),
    logprob: t.logprob,
    bytes: tok === undefined ? null : Array.from(tok.tokenBytes(t.token)),
  });
  return {
    ...entry({ token: p.token, logprob: p.logprob ?? 0 }),
    top_logprobs: top ? (p.topLogprobs ?? []).map(entry) : [],
  };
}
