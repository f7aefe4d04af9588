// One sequence over a DecoderLM: its KV cache, its preallocated workspace and logits arrays.
import { CapacityError, UsageError } from '../../errors.js';
import type { SeqSpan } from '../../nn/attention.js';
import type { KVCache } from '../../nn/kv-cache.js';
import type { LogitsMode, Session } from '../causal-lm.js';
import type { DecoderLM } from './decoder-lm.js';
import type { Workspace } from './workspace.js';

const EMPTY: Float32Array = new Float32Array(0);

export class DecoderSession implements Session {
  readonly model: DecoderLM;
  readonly cache: KVCache;
  /** The scratch buffers, or how to make them on the first forward (SessionOptions.lazyWorkspace). */
  private ws: Workspace | (() => Workspace);
  private position = 0;
  /** [vocab] logits of the last forward's last token. */
  readonly lastLogits: Float32Array;
  private allLogits: Float32Array = EMPTY;
  private readonly span: SeqSpan;
  private readonly spans: SeqSpan[];
  private readonly outs: Float32Array[];
  private disposed = false;

  constructor(model: DecoderLM, cache: KVCache, ws: Workspace | (() => Workspace)) {
    this.model = model;
    this.cache = cache;
    this.ws = ws;
    this.lastLogits = new Float32Array(model.config.vocabSize);
    this.span = { start: 0, count: 0, pos0: 0, cache };
    this.spans = [this.span];
    this.outs = [this.lastLogits];
  }

  get pos(): number {
    return this.position;
  }

  /** Whether the session's own scratch buffers exist (false until the first forward when lazy). */
  get hasWorkspace(): boolean {
    return typeof this.ws !== 'function';
  }

  get capacity(): number {
    return this.cache.capacity;
  }

  /** Throws unless n more tokens fit in the cache. */
  checkRoom(n: number): void {
    if (this.disposed) throw new UsageError('the session was disposed');
    if (this.position + n > this.cache.capacity) {
      throw new CapacityError(
        `context full: ${this.position} + ${n} tokens exceed the session's ${this.cache.capacity}-token context`,
        { field: 'contextLength' },
      );
    }
  }

  /** Called by DecoderLM.forwardBatch after it ran n of this session's tokens. */
  advance(n: number): void {
    this.position += n;
  }

  forward(tokens: ArrayLike<number>, logits: LogitsMode = 'last'): Float32Array {
    const n = tokens.length;
    if (n === 0) throw new UsageError('forward: no tokens');
    this.checkRoom(n);
    const model = this.model;
    model.checkTokens(tokens);
    const v = model.config.vocabSize;
    let all: Float32Array = EMPTY;
    if (logits === 'all') {
      if (this.allLogits.length < n * v) this.allLogits = new Float32Array(n * v);
      all = this.allLogits.subarray(0, n * v);
    }
    if (typeof this.ws === 'function') this.ws = this.ws();
    const ws = this.ws;
    for (let off = 0; off < n; off += ws.tokens) {
      const c = Math.min(ws.tokens, n - off);
      for (let i = 0; i < c; i++) {
        ws.ids[i] = tokens[off + i]!;
        ws.positions[i] = this.position + i;
      }
      this.span.start = 0;
      this.span.count = c;
      this.span.pos0 = this.position;
      model.runBlocks(ws, this.spans, c);
      this.position += c;
      if (logits === 'all') model.headAll(ws, c, all, off);
      else if (logits === 'last' && off + c === n) model.headLast(ws, this.spans, this.outs);
    }
    if (logits === 'all') return all;
    return logits === 'last' ? this.lastLogits : EMPTY;
  }

  truncate(pos: number): void {
    if (!Number.isInteger(pos) || pos < 0) throw new UsageError(`truncate: bad position ${pos}`);
    if (pos < this.position) this.position = pos;
  }

  reset(): void {
    this.position = 0;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.cache.dispose();
    if (typeof this.ws !== 'function') this.ws.dispose();
  }
}
