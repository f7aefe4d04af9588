// A decoder-only causal LM assembled from nn/ parts: token (+ learned position) embedding,
// pre-norm blocks, final norm and LM head. Implements CausalLM for every family here.
import type { Backend } from '../../backend/backend.js';
import { CapacityError, UnsupportedError, UsageError } from '../../errors.js';
import type { SeqSpan } from '../../nn/attention.js';
import type { PreNormBlock } from '../../nn/block.js';
import type { Embedding } from '../../nn/embedding.js';
import { KVCache, kvCacheGgmlType } from '../../nn/kv-cache.js';
import type { Linear } from '../../nn/linear.js';
import type { Norm } from '../../nn/norm.js';
import { GgmlType } from '../../tensor/dtype.js';
import type { Tokenizer } from '../../tokenizers/tokenizer.js';
import type { CausalLM, ModelInfo, Session, SessionOptions } from '../causal-lm.js';
import type { ModelConfig } from './config.js';
import { DecoderSession } from './session.js';
import { Workspace } from './workspace.js';

export interface DecoderParts {
  token_embd: Embedding;
  /** Learned absolute positions (GPT-2), or null. */
  position_embd: Embedding | null;
  blocks: PreNormBlock[];
  output_norm: Norm;
  /** The LM head; shares token_embd's weight when the model is tied. */
  output: Linear;
}

export const DEFAULT_MAX_BATCH = 512;
/** Tokens per forward call in embed(). */
const EMBED_CHUNK = 256;

export class DecoderLM implements CausalLM {
  readonly info: ModelInfo;
  readonly backend: Backend;
  tokenizer: Tokenizer | undefined;
  readonly config: ModelConfig;
  readonly parts: DecoderParts;
  private batchWs: Workspace | undefined;
  private readonly batchSpans: SeqSpan[] = [];
  private disposed = false;

  constructor(
    backend: Backend,
    config: ModelConfig,
    parts: DecoderParts,
    params: number,
    tokenizer?: Tokenizer,
  ) {
    this.backend = backend;
    this.config = config;
    this.parts = parts;
    this.tokenizer = tokenizer;
    this.info = {
      arch: config.arch,
      vocabSize: config.vocabSize,
      contextLength: config.contextLength,
      dim: config.dim,
      nLayer: config.nLayer,
      params,
      ...(config.bosId !== undefined ? { bosId: config.bosId } : {}),
      ...(config.eosId !== undefined ? { eosId: config.eosId } : {}),
    };
  }

  newSession(opts: SessionOptions = {}): Session {
    this.checkAlive();
    const c = this.config;
    const capacity = opts.contextLength ?? c.contextLength;
    const maxCap = c.rope === null ? c.contextLength : 1 << 24;
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > maxCap) {
      throw new UsageError(`context length must be an integer in 1..${maxCap}, got ${capacity}`, {
        field: 'contextLength',
      });
    }
    const maxBatch = Math.min(opts.maxBatch ?? DEFAULT_MAX_BATCH, capacity);
    if (!Number.isInteger(maxBatch) || maxBatch < 1) {
      throw new UsageError(`maxBatch must be a positive integer, got ${opts.maxBatch}`, {
        field: 'maxBatch',
      });
    }
    const cacheType = kvCacheGgmlType(opts.cacheType ?? 'f32');
    const makeWs = (): Workspace => new Workspace(this.backend, c, maxBatch, 1);
    if (opts.lazyWorkspace === true) {
      const wsBytes = Workspace.bytes(c, maxBatch, 1); // fail now on absurd sizes
      if (!Number.isSafeInteger(wsBytes) || wsBytes > 2 ** 36) makeWs();
      return new DecoderSession(this, this.newCache(capacity, cacheType), makeWs);
    }
    const cache = this.newCache(capacity, cacheType);
    let ws: Workspace;
    try {
      ws = makeWs();
    } catch (e) {
      cache.dispose();
      throw e;
    }
    return new DecoderSession(this, cache, ws);
  }

  private newCache(capacity: number, type: GgmlType.F32 | GgmlType.Q8_0 = GgmlType.F32): KVCache {
    const c = this.config;
    const kvDim = c.nKvHead * c.headDim;
    if (type === GgmlType.Q8_0 && c.headDim % 32 !== 0) {
      throw new UnsupportedError(
        `cacheType q8_0 needs a head size that is a multiple of 32; this model's head size is ${c.headDim} (use cacheType f32)`,
        { field: 'cacheType' },
      );
    }
    const kvBytes = KVCache.bytes(c.nLayer, capacity, kvDim, type);
    if (!Number.isSafeInteger(kvBytes) || kvBytes > 2 ** 40) {
      throw new CapacityError(`a KV cache of ${capacity} tokens needs ${kvBytes} bytes`, {
        field: 'contextLength',
      });
    }
    return new KVCache(this.backend, c.nLayer, capacity, kvDim, type, c.headDim);
  }

  embed(tokens: ArrayLike<number>): Float32Array {
    this.checkAlive();
    const c = this.config;
    const n = tokens.length;
    const dim = c.dim;
    if (n === 0) return new Float32Array(0);
    if (c.rope === null && n > c.contextLength) {
      throw new UsageError(`${n} tokens exceed the model's context of ${c.contextLength}`, {
        field: 'tokens',
      });
    }
    this.checkTokens(tokens);
    const out = new Float32Array(n * dim); // [T, dim]
    const cache = this.newCache(n);
    let ws: Workspace;
    try {
      ws = new Workspace(this.backend, c, Math.min(EMBED_CHUNK, n), 1);
    } catch (e) {
      cache.dispose();
      throw e;
    }
    try {
      const spans: SeqSpan[] = [{ start: 0, count: 0, pos0: 0, cache }];
      for (let at = 0; at < n; at += ws.tokens) {
        const t = Math.min(ws.tokens, n - at);
        for (let i = 0; i < t; i++) {
          ws.ids[i] = tokens[at + i]!;
          ws.positions[i] = at + i;
        }
        spans[0]!.count = t;
        spans[0]!.pos0 = at;
        this.runBlocks(ws, spans, t); // ws.x: [t, dim]
        this.parts.output_norm.forward(ws.h, ws.x, t); // ws.h: [t, dim]
        this.backend.read(ws.h, out.subarray(at * dim, (at + t) * dim));
      }
    } finally {
      ws.dispose();
      cache.dispose();
    }
    return out;
  }

  /** Checks ids before they reach a kernel. */
  checkTokens(tokens: ArrayLike<number>): void {
    const v = this.config.vocabSize;
    for (let i = 0; i < tokens.length; i++) {
      const id = tokens[i]!;
      if (!Number.isInteger(id) || id < 0 || id >= v) {
        throw new UsageError(`token id ${id} at index ${i} is outside the vocabulary (0..${v - 1})`, {
          field: 'tokens',
        });
      }
    }
  }

  /** Runs embedding and every block over ws.ids/ws.positions (T tokens), leaving ws.x [T, dim]. */
  runBlocks(ws: Workspace, spans: readonly SeqSpan[], t: number): void {
    const p = this.parts;
    p.token_embd.forward(ws.x, ws.ids, t); // [T, dim]
    if (p.position_embd !== null) {
      p.position_embd.forward(ws.h, ws.positions, t);
      this.backend.add(ws.x, ws.x, ws.h, t * this.config.dim);
    }
    for (let l = 0; l < p.blocks.length; l++) p.blocks[l]!.forward(ws.x, ws, spans, t, l);
  }

  /** LM head over the last row of each span: writes span i's logits into outs[i]. */
  headLast(ws: Workspace, spans: readonly SeqSpan[], outs: readonly Float32Array[]): void {
    const b = this.backend;
    const d = this.config.dim;
    const n = spans.length;
    for (let i = 0; i < n; i++) {
      const sp = spans[i]!;
      b.copy(ws.last, ws.x, d, i * d, (sp.start + sp.count - 1) * d);
    }
    this.parts.output_norm.forward(ws.lastNorm, ws.last, n);
    this.parts.output.forward(ws.logits, ws.lastNorm, n); // [n, vocab]
    const v = this.config.vocabSize;
    for (let i = 0; i < n; i++) b.read(ws.logits, outs[i]!, i * v * 4);
  }

  /** LM head over all T rows of ws.x into out[dstRow0 + r] rows (row-major [.., vocab]). */
  headAll(ws: Workspace, t: number, out: Float32Array, dstRow0: number): void {
    const v = this.config.vocabSize;
    const d = this.config.dim;
    this.parts.output_norm.forward(ws.h, ws.x, t);
    for (let r = 0; r < t; r += ws.headRows) {
      const rows = Math.min(ws.headRows, t - r);
      this.parts.output.forward(ws.logits, ws.h, rows, false, r * d, 0);
      const dst = out.subarray((dstRow0 + r) * v, (dstRow0 + r + rows) * v);
      this.backend.read(ws.logits, dst, 0);
    }
  }

  forwardBatch(sessions: readonly Session[], tokens: readonly ArrayLike<number>[]): Float32Array[] {
    this.checkAlive();
    if (sessions.length !== tokens.length) {
      throw new UsageError(`forwardBatch: ${sessions.length} sessions but ${tokens.length} token lists`);
    }
    const ss: DecoderSession[] = [];
    let total = 0;
    for (let i = 0; i < sessions.length; i++) {
      const s = sessions[i];
      if (!(s instanceof DecoderSession) || s.model !== this) {
        throw new UsageError(`forwardBatch: session ${i} does not belong to this model`);
      }
      if (ss.includes(s)) throw new UsageError(`forwardBatch: session ${i} appears twice`);
      const tk = tokens[i]!;
      if (tk.length === 0) throw new UsageError(`forwardBatch: token list ${i} is empty`);
      s.checkRoom(tk.length);
      this.checkTokens(tk);
      ss.push(s);
      total += tk.length;
    }
    if (ss.length === 0) return [];
    let ws = this.batchWs;
    if (ws === undefined || ws.tokens < total || ws.seqs < ss.length) {
      ws?.dispose();
      this.batchWs = undefined;
      ws = new Workspace(
        this.backend,
        this.config,
        Math.max(total, ws?.tokens ?? 0),
        Math.max(ss.length, ws?.seqs ?? 0),
      );
      this.batchWs = ws;
    }
    // Span objects are pooled: a batch step allocates no per-token or per-layer objects.
    const pool = this.batchSpans;
    while (pool.length < ss.length) pool.push({ start: 0, count: 0, pos0: 0, cache: ss[0]!.cache });
    const spans = ss.length === pool.length ? pool : pool.slice(0, ss.length);
    let row = 0;
    for (let i = 0; i < ss.length; i++) {
      const s = ss[i]!;
      const tk = tokens[i]!;
      for (let j = 0; j < tk.length; j++) {
        ws.ids[row + j] = tk[j]!;
        ws.positions[row + j] = s.pos + j;
      }
      const sp = spans[i]!;
      sp.start = row;
      sp.count = tk.length;
      sp.pos0 = s.pos;
      sp.cache = s.cache;
      row += tk.length;
    }
    this.runBlocks(ws, spans, total);
    const outs = ss.map((s) => s.lastLogits);
    this.headLast(ws, spans, outs);
    for (let i = 0; i < ss.length; i++) ss[i]!.advance(tokens[i]!.length);
    return outs;
  }

  private checkAlive(): void {
    if (this.disposed) throw new UsageError('the model was disposed');
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.batchWs?.dispose();
    const p = this.parts;
    const tiedWeight = p.output.weight === p.token_embd.weight;
    p.token_embd.dispose();
    p.position_embd?.dispose();
    for (const blk of p.blocks) blk.dispose();
    p.output_norm.dispose();
    if (!tiedWeight) p.output.dispose();
    else if (p.output.bias !== null) this.backend.free(p.output.bias);
  }
}
