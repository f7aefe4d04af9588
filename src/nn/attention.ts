// Multi-head causal self-attention with grouped-query heads and a KV cache.
//   q = h·Wqᵀ (+bq), k = h·Wkᵀ (+bk), v = h·Wvᵀ (+bv)   // [T, nHead·hd], [T, kvDim], [T, kvDim]
//   optional per-head RMSNorm of q and k (Qwen3), then RoPE at each token's position
//   each sequence appends its k/v rows to its cache (f32, or quantized to q8_0 on write) and
//   attends over cache rows 0 .. pos
//   x += att·Woᵀ (+bo)                                   // residual add into x [T, dim]
// Several sequences run in one call (`spans`): the projections are one GEMM over all T tokens,
// rope uses each token's own position, and attention runs per sequence over its own cache.
import type { AttentionParams, Backend, Buf, RopeParams } from '../backend/backend.js';
import { GgmlType } from '../tensor/dtype.js';
import type { KVCache } from './kv-cache.js';
import type { LinearLayer } from './linear.js';
import type { RMSNorm } from './norm.js';

export interface RopeConfig {
  theta: number;
  /** Leading dims of each head that rotate (≤ headDim, even). */
  dim: number;
  /** NeoX rotate-half layout (Qwen2/3) instead of adjacent pairs (LLaMA GGUF layout). */
  neox: boolean;
  /** Linear position scaling (1 / factor). */
  freqScale: number;
  /** Per-pair frequency divisors (Llama-3 rope scaling), length dim/2. */
  freqFactors: Float32Array | undefined;
}

export interface AttentionShape {
  nHead: number;
  nKvHead: number;
  headDim: number;
  rope: RopeConfig | null;
  /** Sliding window (tokens), if any. */
  window?: number | undefined;
}

/** One sequence's tokens inside a batch: rows start .. start+count−1 at positions pos0 .. */
export interface SeqSpan {
  start: number;
  count: number;
  pos0: number;
  cache: KVCache;
}

/** Preallocated activations the attention block reads and writes. */
export interface AttentionScratch {
  /** [T, dim] normalised input */
  h: Buf;
  /** [T, nHead·hd] */
  q: Buf;
  /** [T, kvDim] */
  k: Buf;
  /** [T, kvDim] */
  v: Buf;
  /** [T, nHead·hd] */
  att: Buf;
  /** Position of each of the T tokens. */
  positions: Int32Array;
}

export class Attention {
  readonly backend: Backend;
  attn_q: LinearLayer;
  attn_k: LinearLayer;
  attn_v: LinearLayer;
  attn_output: LinearLayer;
  attn_q_norm: RMSNorm | null;
  attn_k_norm: RMSNorm | null;
  readonly shape: AttentionShape;
  // Parameter objects reused across calls (the hot loop allocates nothing).
  private readonly ropeQ: RopeParams;
  private readonly ropeK: RopeParams;
  private readonly attnP: AttentionParams;

  constructor(
    backend: Backend,
    shape: AttentionShape,
    q: LinearLayer,
    k: LinearLayer,
    v: LinearLayer,
    o: LinearLayer,
    qNorm: RMSNorm | null = null,
    kNorm: RMSNorm | null = null,
  ) {
    this.backend = backend;
    this.shape = shape;
    this.attn_q = q;
    this.attn_k = k;
    this.attn_v = v;
    this.attn_output = o;
    this.attn_q_norm = qNorm;
    this.attn_k_norm = kNorm;
    const r = shape.rope;
    const base = {
      tokens: 0,
      headDim: shape.headDim,
      ropeDim: r?.dim ?? shape.headDim,
      positions: new Int32Array(0),
      theta: r?.theta ?? 10000,
      neox: r?.neox ?? false,
      freqScale: r?.freqScale ?? 1,
      ...(r?.freqFactors !== undefined ? { freqFactors: r.freqFactors } : {}),
    };
    this.ropeQ = { ...base, heads: shape.nHead };
    this.ropeK = { ...base, heads: shape.nKvHead };
    this.attnP = {
      tokens: 0,
      nHead: shape.nHead,
      nKvHead: shape.nKvHead,
      headDim: shape.headDim,
      pos0: 0,
      scale: 1 / Math.sqrt(shape.headDim),
      offQ: 0,
      offOut: 0,
      offK: 0,
      offV: 0,
      kvType: GgmlType.F32,
      ...(shape.window !== undefined ? { window: shape.window } : {}),
    };
  }

  get qDim(): number {
    return this.shape.nHead * this.shape.headDim;
  }

  get kvDim(): number {
    return this.shape.nKvHead * this.shape.headDim;
  }

  /** x[T, dim] += attention(s.h) for the T = Σ span.count tokens of `spans` (caches updated). */
  forward(x: Buf, s: AttentionScratch, spans: readonly SeqSpan[], layer: number): void {
    const b = this.backend;
    const { nHead, nKvHead, headDim } = this.shape;
    let t = 0;
    for (const sp of spans) t += sp.count;
    this.attn_q.forward(s.q, s.h, t); // [T, nHead·hd]
    this.attn_k.forward(s.k, s.h, t); // [T, kvDim]
    this.attn_v.forward(s.v, s.h, t); // [T, kvDim]
    if (this.attn_q_norm !== null) this.attn_q_norm.forward(s.q, s.q, t * nHead);
    if (this.attn_k_norm !== null) this.attn_k_norm.forward(s.k, s.k, t * nKvHead);
    if (this.shape.rope !== null) {
      this.ropeQ.tokens = t;
      this.ropeQ.positions = s.positions;
      b.rope(s.q, this.ropeQ);
      this.ropeK.tokens = t;
      this.ropeK.positions = s.positions;
      b.rope(s.k, this.ropeK);
    }
    const qDim = nHead * headDim;
    const p = this.attnP;
    for (const sp of spans) {
      sp.cache.put(layer, sp.pos0, s.k, s.v, sp.start, sp.count);
      p.tokens = sp.count;
      p.pos0 = sp.pos0;
      p.offQ = sp.start * qDim;
      p.offOut = sp.start * qDim;
      p.offK = sp.cache.layerOffset(layer); // elements (f32 cache) or bytes (q8_0 cache)
      p.offV = p.offK;
      p.kvType = sp.cache.type; // per span: batched sessions may differ
      b.attention(s.att, s.q, sp.cache.k, sp.cache.v, p);
    }
    this.attn_output.forward(x, s.att, t, true); // x += att·Woᵀ (+bo)
  }

  dispose(): void {
    this.attn_q.dispose();
    this.attn_k.dispose();
    this.attn_v.dispose();
    this.attn_output.dispose();
    this.attn_q_norm?.dispose();
    this.attn_k_norm?.dispose();
  }
}
