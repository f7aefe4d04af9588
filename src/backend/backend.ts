// The Backend interface: the narrow set of primitives every model, generation and training path
// is built from. Outputs come first, sizes are explicit, everything is f32 except weights.
//
// Conventions
// - Memory is addressed through `Buf` handles that a backend creates (alloc/view). A backend only
//   accepts its own handles. All offsets (`off*`) and strides are in f32 ELEMENTS, not bytes
//   (exceptions, named as such: offK/offV of a Q8_0 KV cache and quantizeRows' dstByteOffset).
// - Row-major everywhere. A "row" is the last (contiguous) dimension.
// - Weights are uploaded once in their file's block format (F32, F16, BF16, Q8_0, Q4_0, ...) as
//   a `Weight`: rows × cols, each row `cols` elements (GGUF's ne[0] = cols, ne[1] = rows).
//   A backend may repack a weight at upload time (without keeping two copies).
// - Calls are synchronous. A multi-threaded backend blocks the caller until the op is done.
// - No op allocates per call; scratch space is owned by the backend.

import type { GgmlType } from '../tensor/dtype.js';

/** An opaque handle to backend memory (a whole allocation or a view of one). */
export interface Buf {
  /** Size in bytes. */
  readonly bytes: number;
}

/** A 2-D weight matrix [rows, cols] in a GGML block format, living in backend memory. */
export interface Weight {
  readonly type: GgmlType;
  readonly rows: number;
  readonly cols: number;
  /** Backend-private storage (may be repacked relative to the file layout). */
  readonly buf: Buf;
}

/** out[M,N] (+)= alpha · op(A)[M,K] · op(B)[K,N], optionally batched. */
export interface MatmulParams {
  m: number;
  n: number;
  k: number;
  /** A is stored as [K, M] (so op(A) = Aᵀ). */
  transA?: boolean;
  /** B is stored as [N, K] (so op(B) = Bᵀ): the usual layout of a Linear weight. */
  transB?: boolean;
  /** Add into `out` instead of overwriting it. */
  accumulate?: boolean;
  alpha?: number;
  /** Number of independent matmuls; each advances by the strides below. Default 1. */
  batch?: number;
  /** Element strides between batch items. Defaults: the dense sizes m·k, k·n, m·n. */
  strideA?: number;
  strideB?: number;
  strideOut?: number;
  /** Leading dimensions (row strides, elements). Defaults: the dense row lengths. */
  lda?: number;
  ldb?: number;
  ldo?: number;
  offA?: number;
  offB?: number;
  offOut?: number;
}

/** Rotary position embedding applied in place to `x` = [tokens, heads, headDim]. */
export interface RopeParams {
  tokens: number;
  heads: number;
  headDim: number;
  /** Leading dims rotated (≤ headDim, even); the rest pass through. Default headDim. */
  ropeDim?: number;
  /** Position of each token (length ≥ tokens). */
  positions: Int32Array;
  theta: number;
  /** NeoX layout (rotate-half: pairs i, i+d/2) instead of GPT-J/LLaMA adjacent pairs (2i, 2i+1). */
  neox: boolean;
  /** Linear position scaling: angle uses pos · freqScale. Default 1. */
  freqScale?: number;
  /** Per-pair frequency divisors (length ropeDim/2), e.g. Llama-3 rope scaling. */
  freqFactors?: Float32Array;
  /** Rotate by the negative angle (the backward of rope). */
  inverse?: boolean;
  /** Row stride of x in elements (default heads·headDim) and start offset. */
  rowStride?: number;
  off?: number;
}

/**
 * Causal attention of `tokens` new queries over a KV cache.
 * q: [tokens, nHead·headDim] (row stride qStride), caches: [capacity, nKvHead·headDim].
 * Query t sits at position pos0 + t and attends to cache rows 0 .. pos0 + t (inclusive).
 * out: [tokens, nHead·headDim]. Grouped-query: head h reads kv head floor(h / (nHead/nKvHead)).
 */
export interface AttentionParams {
  tokens: number;
  nHead: number;
  nKvHead: number;
  headDim: number;
  pos0: number;
  /** Softmax scale, usually 1/sqrt(headDim). */
  scale: number;
  offQ?: number;
  offOut?: number;
  qStride?: number;
  outStride?: number;
  /**
   * Offsets of the layer's cache inside kCache / vCache: f32 elements for an F32 cache, BYTES for
   * a Q8_0 cache.
   */
  offK?: number;
  offV?: number;
  /** Only the last `window` positions are visible when set (sliding-window attention). */
  window?: number;
  /**
   * Storage of the K and V caches. F32 (default): rows of nKvHead·headDim f32. Q8_0: each row is
   * nKvHead·headDim/32 ggml Q8_0 blocks (34 bytes: f16 d, 32 int8), written by `quantizeRows`;
   * headDim must be a multiple of 32. K·q is ggml's vec_dot_q8_0_q8_0 with each head's q row
   * quantized to Q8_0 (quantizeActivationRow); V rows are dequantized and accumulated
   * (llama.cpp's CPU flash-attention path for a q8_0 cache).
   */
  kvType?: GgmlType;
}

/** Training-time attention over a whole sequence batch: q, k, v: [batch, T, heads·headDim]. */
export interface AttentionTrainParams {
  batch: number;
  t: number;
  nHead: number;
  nKvHead: number;
  headDim: number;
  scale: number;
}

export interface AdamWParams {
  n: number;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 1-based step for bias correction. */
  step: number;
  /** Gradients are multiplied by this first (clipping / accumulation averaging). */
  gradScale?: number;
}

export interface Backend {
  readonly name: string;
  /** Worker threads in use (1 = caller only). */
  readonly threads: number;

  // ---- memory -------------------------------------------------------------------------------
  alloc(bytes: number): Buf;
  /** A view of `bytes` bytes at `byteOffset` inside `buf` (no copy). */
  view(buf: Buf, byteOffset: number, bytes: number): Buf;
  free(buf: Buf): void;
  write(dst: Buf, src: ArrayBufferView, dstByteOffset?: number): void;
  read(src: Buf, dst: ArrayBufferView, srcByteOffset?: number): void;
  /** Sets `n` f32 elements starting at `off` to `value`. */
  fill(dst: Buf, value: number, n: number, off?: number): void;
  /** dst[offDst + i] = src[offSrc + i] for i < n (f32 elements). */
  copy(dst: Buf, src: Buf, n: number, offDst?: number, offSrc?: number): void;

  /** Uploads a weight matrix [rows, cols] from its file bytes (GGML layout). */
  uploadWeight(type: GgmlType, rows: number, cols: number, data: Uint8Array): Weight;
  /**
   * Loads a weight in place: allocates a [rows, cols] weight of `type` and returns it with a
   * writable view of its final storage, which the caller fills with the file bytes (GGML layout,
   * rows·rowBytes bytes, e.g. with a file read straight into it), then passes the weight to
   * `commitWeight` before any other use. The view's content is unspecified until filled. The view is
   * valid only until the next allocation on this backend (WASM memory growth replaces the memory's
   * buffer): fill it at once. Throws like uploadWeight for an unsupported type or bad sizes.
   */
  allocWeight(type: GgmlType, rows: number, cols: number): { weight: Weight; bytes: Uint8Array };
  /** Finishes a weight filled through allocWeight (any repacking); returns the weight to use. */
  commitWeight(w: Weight): Weight;
  /** Weight types `linear` and `embedding` accept. */
  supportsWeight(type: GgmlType): boolean;
  freeWeight(w: Weight): void;

  // ---- matrix products ----------------------------------------------------------------------
  matmul(out: Buf, a: Buf, b: Buf, p: MatmulParams): void;
  /**
   * out[m, w.rows] (+)= x[m, w.cols] · Wᵀ, for any supported weight type. Quantized weights may
   * quantize x on the fly (Q8 blocks) as GGML's vec_dot does. x and out rows are dense.
   */
  linear(out: Buf, x: Buf, w: Weight, m: number, accumulate?: boolean, offX?: number, offOut?: number): void;
  /** Gathers rows `ids` of a weight table into out[count, w.cols] (dequantizing). */
  embedding(out: Buf, table: Weight, ids: Int32Array, count: number): void;

  // ---- normalisation ------------------------------------------------------------------------
  /** out = x / sqrt(mean(x²) + eps) · w, per row of `dim` (w may be null: no gain). */
  rmsnorm(out: Buf, x: Buf, w: Buf | null, rows: number, dim: number, eps: number): void;
  /** out = (x − mean) / sqrt(var + eps) · w + b, per row. */
  layernorm(out: Buf, x: Buf, w: Buf | null, b: Buf | null, rows: number, dim: number, eps: number): void;
  /** Row softmax; with `causalPos0` set, row r masks columns > causalPos0 + r. */
  softmax(out: Buf, x: Buf, rows: number, cols: number, scale?: number, causalPos0?: number): void;

  // ---- positional / attention ---------------------------------------------------------------
  rope(x: Buf, p: RopeParams): void;
  attention(out: Buf, q: Buf, kCache: Buf, vCache: Buf, p: AttentionParams): void;
  /**
   * Quantizes `rows` dense rows of `cols` f32 values (src from element `offSrc`) into `type`
   * blocks at byte `dstByteOffset` of dst, rows back to back (rowBytes(type, cols) bytes each),
   * byte-exact with ggml's CPU from_float, as llama.cpp writes a quantized KV cache (set_rows /
   * cpy): for Q8_0 that is quantizeActivationRow's x86 rounding (127/amax, half to even).
   * Types: F32 (a copy) and Q8_0 (KV-cache writes).
   */
  quantizeRows(
    dst: Buf,
    src: Buf,
    rows: number,
    cols: number,
    type: GgmlType,
    dstByteOffset?: number,
    offSrc?: number,
  ): void;

  // ---- element-wise -------------------------------------------------------------------------
  add(out: Buf, a: Buf, b: Buf, n: number): void;
  mul(out: Buf, a: Buf, b: Buf, n: number): void;
  scale(out: Buf, x: Buf, s: number, n: number): void;
  /** out[r, c] = x[r, c] + bias[c]. */
  addBias(out: Buf, x: Buf, bias: Buf, rows: number, cols: number): void;
  silu(out: Buf, x: Buf, n: number): void;
  /** GELU, tanh approximation (GPT-2 `gelu_new`), computed in f32. */
  gelu(out: Buf, x: Buf, n: number): void;
  /** GELU, exact: x·Φ(x) = ½x(1 + erf(x/√2)) (PyTorch's default, Hugging Face `gelu`), in f32. */
  geluErf(out: Buf, x: Buf, n: number): void;
  /** out = silu(gate) · up. */
  swiglu(out: Buf, gate: Buf, up: Buf, n: number): void;

  // ---- losses -------------------------------------------------------------------------------
  /**
   * losses[r] = logsumexp(logits[r]) − logits[r, targets[r]]; targets < 0 give loss 0.
   * stats (optional, 4·rows floats): per-row statistics for a later crossEntropyBackward on the
   * same, unchanged logits, which then skips recomputing them. A backend may leave it unused.
   */
  crossEntropy(losses: Buf, logits: Buf, targets: Int32Array, rows: number, vocab: number, stats?: Buf): void;

  // ---- backward kernels (training) ----------------------------------------------------------
  /**
   * dlogits = (softmax(logits) − onehot(target)) · scale; rows with target < 0 get 0. stats: the
   * buffer crossEntropy filled for these logits (optional; the result is the same without it).
   */
  crossEntropyBackward(
    dlogits: Buf,
    logits: Buf,
    targets: Int32Array,
    rows: number,
    vocab: number,
    scale: number,
    stats?: Buf,
  ): void;
  /** dx = ∂/∂x; dw += ∂/∂w (dw may be null). */
  rmsnormBackward(
    dx: Buf,
    dw: Buf | null,
    dout: Buf,
    x: Buf,
    w: Buf | null,
    rows: number,
    dim: number,
    eps: number,
  ): void;
  layernormBackward(
    dx: Buf,
    dw: Buf | null,
    db: Buf | null,
    dout: Buf,
    x: Buf,
    w: Buf | null,
    rows: number,
    dim: number,
    eps: number,
  ): void;
  /** dx = y ⊙ (dout − rowsum(dout ⊙ y)) · scale, from the softmax output y. */
  softmaxBackward(dx: Buf, dout: Buf, y: Buf, rows: number, cols: number, scale?: number): void;
  /** dx = silu'(x) ⊙ dout. */
  siluBackward(dx: Buf, dout: Buf, x: Buf, n: number): void;
  geluBackward(dx: Buf, dout: Buf, x: Buf, n: number): void;
  /** dx = dout ⊙ (Φ(x) + x·φ(x)), the exact GELU's derivative. */
  geluErfBackward(dx: Buf, dout: Buf, x: Buf, n: number): void;
  swigluBackward(dgate: Buf, dup: Buf, dout: Buf, gate: Buf, up: Buf, n: number): void;
  /** dtable[ids[i]] += dout[i] (rows of dim). */
  embeddingBackward(dtable: Buf, dout: Buf, ids: Int32Array, count: number, dim: number): void;
  /** Causal self-attention forward over whole sequences; saves softmax probs in `probs`. */
  attentionTrain(out: Buf, probs: Buf, q: Buf, k: Buf, v: Buf, p: AttentionTrainParams): void;
  /** Gradients of attentionTrain; dq, dk, dv are overwritten. */
  attentionTrainBackward(
    dq: Buf,
    dk: Buf,
    dv: Buf,
    dout: Buf,
    probs: Buf,
    q: Buf,
    k: Buf,
    v: Buf,
    p: AttentionTrainParams,
  ): void;

  // ---- optimiser helpers --------------------------------------------------------------------
  /** Σ x² over n elements (f64 accumulation). */
  sumSquares(x: Buf, n: number): number;
  /** One decoupled-weight-decay AdamW update of `param` in place; m, v updated. */
  adamw(param: Buf, grad: Buf, m: Buf, v: Buf, p: AdamWParams): void;

  /** Releases threads and memory. The backend is unusable afterwards. */
  dispose(): void;
}
