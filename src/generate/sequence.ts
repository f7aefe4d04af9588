// A Session plus the list of token ids in its KV cache, so a new prompt reuses the longest common
// prefix already computed (chat turns, repeated prompts) and speculative decoding can roll back.
import { UsageError } from '../errors.js';
import type { CausalLM, LogitsMode, Session } from '../models/causal-lm.js';

export interface SequenceOptions {
  /** KV-cache capacity in tokens (default: the model's context length). */
  contextLength?: number;
  /** Most tokens per forward call (default 512). */
  maxBatch?: number;
  /** KV-cache storage (SessionOptions.cacheType): 'f32' (default) or 'q8_0'. */
  cacheType?: 'f32' | 'q8_0';
}

export class Sequence {
  readonly session: Session;
  readonly maxBatch: number;
  /** The ids in the KV cache, in order (tokens.length === session.pos). */
  readonly tokens: number[] = [];

  constructor(
    readonly model: CausalLM,
    opts: SequenceOptions = {},
  ) {
    const ctx = opts.contextLength ?? model.info.contextLength;
    if (!Number.isInteger(ctx) || ctx < 1)
      throw new UsageError(`context length must be a positive integer, got ${ctx}`, {
        field: 'contextLength',
      });
    this.maxBatch = Math.max(1, Math.min(opts.maxBatch ?? 512, ctx));
    this.session = model.newSession({
      contextLength: ctx,
      maxBatch: this.maxBatch,
      cacheType: opts.cacheType,
    });
  }

  get capacity(): number {
    return this.session.capacity;
  }

  get length(): number {
    return this.tokens.length;
  }

  /** Number of leading ids shared with the cache. */
  commonPrefix(ids: ArrayLike<number>): number {
    const n = Math.min(ids.length, this.tokens.length);
    let i = 0;
    while (i < n && this.tokens[i] === ids[i]) i++;
    return i;
  }

  /** Drops cache entries at positions ≥ n. */
  truncate(n: number): void {
    if (n >= this.tokens.length) return;
    this.session.truncate(n);
    this.tokens.length = n;
  }

  reset(): void {
    this.session.reset();
    this.tokens.length = 0;
  }

  /** Appends ids (≤ maxBatch) and returns the requested logits (owned by the session). */
  append(ids: readonly number[], mode: LogitsMode = 'last'): Float32Array {
    if (ids.length > this.maxBatch)
      throw new RangeError(`append of ${ids.length} exceeds maxBatch ${this.maxBatch}`);
    if (this.tokens.length + ids.length > this.capacity)
      throw new UsageError(
        `context full: ${this.tokens.length + ids.length} tokens exceed the context of ${this.capacity}`,
        {
          field: 'contextLength',
        },
      );
    const out = this.session.forward(ids, mode);
    for (const t of ids) this.tokens.push(t);
    return out;
  }

  /**
   * Makes the cache hold exactly `ids` (reusing the common prefix) and returns the logits of the
   * last id. Feeds in chunks of maxBatch; `between` runs after each chunk (yield, abort checks).
   */
  async prefill(
    ids: readonly number[],
    between?: (done: number, total: number) => Promise<void> | void,
  ): Promise<{ logits: Float32Array; reused: number }> {
    if (ids.length === 0) throw new UsageError('the prompt is empty', { field: 'prompt' });
    if (ids.length > this.capacity)
      throw new UsageError(`prompt of ${ids.length} tokens does not fit the context of ${this.capacity}`, {
        field: 'prompt',
      });
    let common = this.commonPrefix(ids);
    if (common === ids.length) common--; // recompute the last position to get its logits
    this.truncate(common);
    let logits: Float32Array | undefined;
    for (let at = common; at < ids.length; at += this.maxBatch) {
      const end = Math.min(ids.length, at + this.maxBatch);
      logits = this.append(ids.slice(at, end), end === ids.length ? 'last' : 'none');
      if (between && end < ids.length) await between(end - common, ids.length - common);
    }
    return { logits: logits!, reused: common };
  }
}
