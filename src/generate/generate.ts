// generate(): prompt → stream of text pieces. Prefill over the KV cache, then one token per step
// through the sampling chain; stop strings, max tokens, end-of-generation ids, AbortSignal,
// logprobs, JSON-schema constraints and speculative decoding. Yields to the event loop between
// tokens so Ctrl-C and HTTP disconnects are seen.
import { UsageError } from '../errors.js';
import type { CausalLM } from '../models/causal-lm.js';
import type { EncodeOptions } from '../tokenizers/tokenizer.js';
import { createJsonConstraint, type JsonSchema } from './grammar/index.js';
import { logSumExp, type TokenLogprob, topLogprobs } from './logprobs.js';
import { createSamplerChain, type SamplingOptions } from './samplers/chain.js';
import { Sequence } from './sequence.js';
import { type SpeculativeStats, SpeculativeStepper } from './speculative.js';
import { PlainStepper, type Stepper } from './stepper.js';
import { StopMatcher } from './stop.js';

export type FinishReason = 'stop' | 'length' | 'abort';

export interface GenerateOptions extends SamplingOptions {
  /** Most tokens to generate (default: until EOS, a stop string or a full context). */
  maxTokens?: number;
  /** Stop strings (matched across tokens, never emitted). */
  stop?: readonly string[];
  signal?: AbortSignal;
  /** Report each token's log-probability. */
  logprobs?: boolean;
  /** Also report the k most likely alternatives per token (implies logprobs). */
  topLogprobs?: number;
  /** Keep generating past end-of-generation tokens. */
  ignoreEos?: boolean;
  /** Render special/control tokens (BOS, <|im_start|> ...) in the text (default: skip them). */
  special?: boolean;
  /** More end-of-generation ids, on top of the tokenizer's and the model's. */
  eogIds?: Iterable<number>;
  /** Reuse this sequence's KV cache (longest common prefix); else a new one is made. */
  sequence?: Sequence;
  /** KV-cache size when a new sequence is made (default: the model's context length). */
  contextLength?: number;
  /** Tokens per prefill forward call (default 512). */
  batchSize?: number;
  /** KV-cache storage of a new sequence: 'f32' (default) or 'q8_0' (the draft's stays f32). */
  cacheType?: 'f32' | 'q8_0';
  /** How a text prompt is encoded (default: the tokenizer's BOS rule, special tokens as text). */
  encode?: EncodeOptions;
  /** Constrain the output to JSON (true: any JSON object) or to a JSON Schema. */
  json?: true | JsonSchema;
  /** Speculative decoding with a draft model sharing the vocabulary. */
  draft?: { model: CausalLM; nDraft?: number; sequence?: Sequence };
  /** Called during prefill with (tokens done, tokens total). */
  onPromptProgress?: (done: number, total: number) => void;
}

export interface GeneratedPiece {
  /** The token id; -1 for the final piece that only carries text flushed at the end. */
  token: number;
  /** Text now complete (never a split UTF-8 character, never part of a stop string; may be ''). */
  text: string;
  logprob?: number;
  topLogprobs?: TokenLogprob[];
}

export interface GenerationTimings {
  promptTokens: number;
  promptMs: number;
  promptTokensPerSecond: number;
  generatedTokens: number;
  generateMs: number;
  tokensPerSecond: number;
}

export interface GenerationResult {
  /** Generated ids, without end-of-generation tokens. */
  tokens: number[];
  text: string;
  finishReason: FinishReason;
  /** The stop string that ended the generation, if one did. */
  stop?: string;
  usage: { promptTokens: number; completionTokens: number; cachedTokens: number };
  timings: GenerationTimings;
  seed: number;
  speculative?: SpeculativeStats;
}

/** An AsyncIterable of pieces; `result` resolves when the iteration ends. */
export interface GenerationStream extends AsyncIterable<GeneratedPiece> {
  readonly result: Promise<GenerationResult>;
}

const yieldToLoop: () => Promise<void> =
  typeof globalThis.setImmediate === 'function'
    ? () => new Promise((r) => setImmediate(r))
    : () => new Promise((r) => setTimeout(r, 0));

/** Validates a prompt and returns its ids. */
export function promptIds(
  model: CausalLM,
  prompt: string | ArrayLike<number>,
  encode?: EncodeOptions,
): number[] {
  let ids: number[];
  if (typeof prompt === 'string') {
    const tok = model.tokenizer;
    if (!tok)
      throw new UsageError('this model has no tokenizer: pass token ids instead of text', {
        field: 'prompt',
      });
    ids = tok.encode(prompt, encode);
  } else {
    ids = Array.from(prompt);
    const v = model.info.vocabSize;
    for (const id of ids)
      if (!Number.isInteger(id) || id < 0 || id >= v)
        throw new UsageError(`prompt token ${id} is not an id in [0, ${v})`, { field: 'prompt' });
  }
  if (ids.length === 0) {
    const bos = model.tokenizer?.bosId ?? model.info.bosId;
    if (bos === undefined) throw new UsageError('the prompt is empty', { field: 'prompt' });
    ids = [bos];
  }
  return ids;
}

/** Starts a generation. Iterate the stream to run it. */
export function generate(
  model: CausalLM,
  prompt: string | ArrayLike<number>,
  opts: GenerateOptions = {},
): GenerationStream {
  let resolve!: (r: GenerationResult) => void;
  let reject!: (e: unknown) => void;
  const result = new Promise<GenerationResult>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  result.catch(() => {}); // the iterator rethrows; avoid an unhandled rejection
  async function* iterate(): AsyncGenerator<GeneratedPiece> {
    try {
      const r = yield* run(model, prompt, opts, resolve);
      resolve(r);
    } catch (err) {
      reject(err);
      throw err;
    }
  }
  return { result, [Symbol.asyncIterator]: () => iterate() };
}

/** Runs a generation to the end and returns its result. */
export async function generateText(
  model: CausalLM,
  prompt: string | ArrayLike<number>,
  opts: GenerateOptions = {},
): Promise<GenerationResult> {
  const stream = generate(model, prompt, opts);
  for await (const _ of stream);
  return stream.result;
}

async function* run(
  model: CausalLM,
  prompt: string | ArrayLike<number>,
  opts: GenerateOptions,
  onEarlyExit: (r: GenerationResult) => void,
): AsyncGenerator<GeneratedPiece, GenerationResult> {
  const t0 = performance.now();
  const vocab = model.info.vocabSize;
  const ids = promptIds(model, prompt, opts.encode);
  const maxTokens = opts.maxTokens ?? Number.POSITIVE_INFINITY;
  if (!(maxTokens >= 0))
    throw new UsageError(`maxTokens must be ≥ 0, got ${maxTokens}`, { field: 'maxTokens' });
  const tok = model.tokenizer;
  const seq =
    opts.sequence ??
    new Sequence(model, {
      contextLength: opts.contextLength,
      maxBatch: opts.batchSize,
      cacheType: opts.cacheType,
    });
  if (ids.length >= seq.capacity)
    throw new UsageError(`prompt of ${ids.length} tokens does not fit the context of ${seq.capacity}`, {
      field: 'prompt',
    });
  const constraint =
    opts.json === undefined
      ? undefined
      : createJsonConstraint(requireTokenizer(model), opts.json, eogSet(model, opts));
  const chain = createSamplerChain(vocab, opts, { contextLength: seq.capacity, constraint });
  const eog = opts.ignoreEos ? new Set<number>() : eogSet(model, opts);
  const aborted = (): boolean => opts.signal?.aborted === true;

  const { logits: first, reused } = await seq
    .prefill(ids, async (done, total) => {
      opts.onPromptProgress?.(done, total);
      await yieldToLoop();
      if (aborted()) throw new AbortedPrefill();
    })
    .catch((e: unknown) => {
      if (e instanceof AbortedPrefill) return { logits: undefined, reused: 0 };
      throw e;
    });
  opts.onPromptProgress?.(ids.length - reused, ids.length - reused);
  const t1 = performance.now();
  for (const t of ids) chain.acceptPrompt(t);

  let stepper: Stepper | undefined;
  let spec: SpeculativeStepper | undefined;
  if (first !== undefined) {
    if (opts.draft) {
      if (opts.draft.model.info.vocabSize !== vocab)
        throw new UsageError(
          `draft model vocabulary (${opts.draft.model.info.vocabSize}) differs from the model's (${vocab})`,
          { field: 'draft' },
        );
      const dseq =
        opts.draft.sequence ??
        new Sequence(opts.draft.model, { contextLength: seq.capacity, maxBatch: seq.maxBatch });
      spec = new SpeculativeStepper(seq, dseq, first, vocab, opts.draft.nDraft ?? 8);
      stepper = spec;
    } else stepper = new PlainStepper(seq, first);
  }

  const decoder = tok?.createDecoder({ skipSpecial: opts.special !== true });
  const stops = new StopMatcher(opts.stop);
  const wantTop = opts.topLogprobs ?? 0;
  const wantLogprobs = opts.logprobs === true || wantTop > 0;
  const tokens: number[] = [];
  let text = '';
  let completion = 0;
  let finish: FinishReason = 'length';

  const build = (finishReason: FinishReason): GenerationResult => {
    const t2 = performance.now();
    const promptTokens = ids.length - reused;
    const result: GenerationResult = {
      tokens,
      text,
      finishReason,
      usage: { promptTokens: ids.length, completionTokens: completion, cachedTokens: reused },
      timings: {
        promptTokens,
        promptMs: t1 - t0,
        promptTokensPerSecond: t1 > t0 ? (promptTokens * 1000) / (t1 - t0) : 0,
        generatedTokens: completion,
        generateMs: t2 - t1,
        tokensPerSecond: t2 > t1 ? (completion * 1000) / (t2 - t1) : 0,
      },
      seed: chain.seed,
    };
    if (stops.matched !== undefined) result.stop = stops.matched;
    if (spec) result.speculative = spec.stats();
    return result;
  };
  // When the consumer stops iterating early (break / return), the result still resolves.
  let settled = false;
  try {
    if (stepper === undefined) finish = 'abort';
    else
      for (;;) {
        if (aborted()) {
          finish = 'abort';
          break;
        }
        if (completion >= maxTokens) break;
        if (seq.length + stepper.pendingCount > seq.capacity) break;
        const logits = stepper.logits();
        const token = chain.sample(logits);
        if (token < 0) {
          finish = 'stop'; // a constraint left nothing to choose
          break;
        }
        const piece: GeneratedPiece = { token, text: '' };
        if (wantLogprobs) {
          const lse = logSumExp(logits, vocab);
          piece.logprob = logits[token]! - lse;
          if (wantTop > 0) piece.topLogprobs = topLogprobs(logits, vocab, wantTop, lse);
        }
        chain.accept(token);
        completion++;
        if (eog.has(token)) {
          finish = 'stop';
          break;
        }
        tokens.push(token);
        piece.text = stops.push(decoder ? decoder.push(token) : '');
        text += piece.text;
        yield piece;
        if (stops.matched !== undefined || constraint?.isComplete()) {
          finish = 'stop';
          break;
        }
        if (spec) spec.remaining = maxTokens - completion - 1;
        stepper.push(token);
        await yieldToLoop();
      }
    if (stops.matched === undefined) {
      const tail = stops.push(decoder ? decoder.flush() : '') + stops.flush();
      if (tail.length > 0) {
        text += tail;
        yield { token: -1, text: tail };
      }
    }
    settled = true;
  } catch (e) {
    settled = true;
    throw e;
  } finally {
    if (!settled) onEarlyExit(build('abort'));
  }
  return build(finish);
}

class AbortedPrefill extends Error {}

function requireTokenizer(model: CausalLM) {
  if (!model.tokenizer) throw new UsageError('JSON output needs the model’s tokenizer', { field: 'json' });
  return model.tokenizer;
}

/** End-of-generation ids: the tokenizer's, the model's EOS, and the caller's. */
export function eogSet(model: CausalLM, opts: { eogIds?: Iterable<number> } = {}): Set<number> {
  const s = new Set<number>(model.tokenizer?.eogIds ?? []);
  const eos = model.tokenizer?.eosId ?? model.info.eosId;
  if (eos !== undefined) s.add(eos);
  for (const id of opts.eogIds ?? []) s.add(id);
  return s;
}
