// One sequence being generated for a request (one choice of it): its prompt, sampling chain, stop
// strings, incremental detokenizer and counters. The scheduler feeds it prompt chunks, then one
// token per step, and hands it the logits of its last position; the job samples and reports text.
import type { GeneratedPiece } from '../../generate/generate.js';
import { eogSet } from '../../generate/generate.js';
import { createJsonConstraint, type JsonConstraint, type JsonSchema } from '../../generate/grammar/index.js';
import { logSumExp, topLogprobs } from '../../generate/logprobs.js';
import {
  createSamplerChain,
  type SamplerChain,
  type SamplingOptions,
} from '../../generate/samplers/chain.js';
import { StopMatcher } from '../../generate/stop.js';
import type { CausalLM, Session } from '../../models/causal-lm.js';
import type { StreamDecoder } from '../../tokenizers/tokenizer.js';
import type { Slot } from './scheduler.js';

export type JobFinish = 'stop' | 'length' | 'abort' | 'error';

export interface JobParams {
  promptIds: readonly number[];
  /** Most tokens to generate (the caller checked prompt + maxTokens ≤ context). */
  maxTokens: number;
  sampling: SamplingOptions;
  stop: readonly string[];
  /** Report each token's logprob; topLogprobs > 0 also reports alternatives. */
  logprobs: boolean;
  topLogprobs: number;
  json?: true | JsonSchema;
}

export interface JobResult {
  text: string;
  tokens: number[];
  finishReason: JobFinish;
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens reused from the KV cache. */
  cachedTokens: number;
  error?: unknown;
}

export interface JobListener {
  /** A sampled token (text may be '' while a UTF-8 character or a stop string is incomplete). */
  onPiece(piece: GeneratedPiece): void;
  /** Called exactly once. */
  onEnd(result: JobResult): void;
}

export class Job {
  readonly chain: SamplerChain;
  readonly constraint: JsonConstraint | undefined;
  private readonly decoder: StreamDecoder | undefined;
  private readonly stops: StopMatcher;
  private readonly eog: Set<number>;
  private readonly vocab: number;
  session: Session | undefined;
  slot: Slot | undefined;
  /** Prompt tokens already in the KV cache. */
  fed = 0;
  /** Prompt tokens found in the cache from an earlier request (not recomputed). */
  cachedTokens = 0;
  /** The token sampled last, to feed at the next step (-1: none). */
  pending = -1;
  completion = 0;
  readonly tokens: number[] = [];
  text = '';
  done = false;
  cancelled = false;
  /** Set by the transport: true while the client cannot take more data (backpressure). */
  paused: () => boolean = () => false;
  /** performance.now() when the job was first seen paused (0: not paused). */
  pausedSince = 0;
  /** performance.now() at submission, first token and last token (for metrics). */
  readonly tSubmit = performance.now();
  tFirst = 0;
  tLast = 0;

  constructor(
    readonly model: CausalLM,
    readonly params: JobParams,
    readonly listener: JobListener,
    capacity: number,
  ) {
    this.vocab = model.info.vocabSize;
    this.eog = eogSet(model);
    const tok = model.tokenizer;
    this.constraint =
      params.json === undefined || tok === undefined
        ? undefined
        : createJsonConstraint(tok, params.json, this.eog);
    this.chain = createSamplerChain(this.vocab, params.sampling, {
      contextLength: capacity,
      constraint: this.constraint,
    });
    this.decoder = tok?.createDecoder();
    this.stops = new StopMatcher(params.stop);
  }

  get prefilling(): boolean {
    return this.fed < this.params.promptIds.length;
  }

  /** The tokens to run this step: a prompt chunk of at most `budget`, or the pending token. */
  input(budget: number): number[] {
    const p = this.params.promptIds;
    if (this.fed < p.length)
      return p.slice(this.fed, this.fed + Math.min(budget, p.length - this.fed)) as number[];
    return [this.pending];
  }

  /** Records that `n` input tokens ran; with the prompt complete, samples from `logits`. */
  advance(n: number, logits: Float32Array): void {
    if (this.fed < this.params.promptIds.length) {
      this.fed += n;
      if (this.fed < this.params.promptIds.length) return;
      for (const t of this.params.promptIds) this.chain.acceptPrompt(t);
    }
    this.sample(logits);
  }

  private sample(logits: Float32Array): void {
    const reason = this.sampleOne(logits);
    if (reason !== undefined) this.finish(reason);
  }

  /** Samples and reports one token; returns why the job ends, if it does. */
  private sampleOne(logits: Float32Array): JobFinish | undefined {
    const token = this.chain.sample(logits);
    if (token < 0) return 'stop';
    const piece: GeneratedPiece = { token, text: '' };
    const wantTop = this.params.topLogprobs;
    if (this.params.logprobs || wantTop > 0) {
      const lse = logSumExp(logits, this.vocab);
      piece.logprob = logits[token]! - lse;
      if (wantTop > 0) piece.topLogprobs = topLogprobs(logits, this.vocab, wantTop, lse);
    }
    this.chain.accept(token);
    this.completion++;
    const now = performance.now();
    if (this.tFirst === 0) this.tFirst = now;
    this.tLast = now;
    if (this.eog.has(token)) return 'stop';
    this.tokens.push(token);
    piece.text = this.stops.push(this.decoder ? this.decoder.push(token) : '');
    this.text += piece.text;
    this.listener.onPiece(piece);
    if (this.stops.matched !== undefined || this.constraint?.isComplete()) return 'stop';
    if (this.completion >= this.params.maxTokens) return 'length';
    const s = this.session!;
    if (s.pos + 1 > s.capacity) return 'length';
    this.pending = token;
    return undefined;
  }

  /** Ends the job (idempotent): flushes held-back text, then reports the result. */
  finish(reason: JobFinish, error?: unknown): void {
    if (this.done) return;
    this.done = true;
    if (reason !== 'error' && this.stops.matched === undefined) {
      const tail = this.stops.push(this.decoder ? this.decoder.flush() : '') + this.stops.flush();
      if (tail.length > 0) {
        this.text += tail;
        this.listener.onPiece({ token: -1, text: tail });
      }
    }
    const result: JobResult = {
      text: this.text,
      tokens: this.tokens,
      finishReason: reason,
      promptTokens: this.params.promptIds.length,
      completionTokens: this.completion,
      cachedTokens: this.cachedTokens,
    };
    if (error !== undefined) result.error = error;
    this.listener.onEnd(result);
  }
}
