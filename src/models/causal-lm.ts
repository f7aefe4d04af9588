// What generation, the server, evaluation and training see of a loaded model. Families implement
// it; nothing above models/ depends on a family directly.
import type { Backend } from '../backend/backend.js';
import type { Tokenizer } from '../tokenizers/tokenizer.js';

export interface ModelInfo {
  /** Family id: 'llama' | 'qwen2' | 'qwen3' | 'gpt2' ... */
  readonly arch: string;
  readonly vocabSize: number;
  /** Maximum context the model was trained for (sessions may use less). */
  readonly contextLength: number;
  readonly dim: number;
  readonly nLayer: number;
  /** Parameter count. */
  readonly params: number;
  /** BOS / EOS ids from the model file, when known. */
  readonly bosId?: number;
  readonly eosId?: number;
}

export interface SessionOptions {
  /** KV-cache capacity in tokens (default: the model's context length). */
  contextLength?: number;
  /** Most tokens one forward call accepts (sizes the scratch buffers). Default 512. */
  maxBatch?: number;
  /**
   * Allocate the session's own scratch buffers (sized by maxBatch) on its first `forward` call
   * instead of now. Sessions used only through `CausalLM.forwardBatch` (which runs on the model's
   * shared batch workspace) then never allocate them, e.g. a server's slot pool. Default false.
   */
  lazyWorkspace?: boolean;
  /**
   * KV-cache storage: 'f32' (default) or 'q8_0' (ggml Q8_0 blocks, 34/128 the bytes of f32, as
   * llama.cpp's `--cache-type-k q8_0 --cache-type-v q8_0`; needs a head size multiple of 32).
   */
  cacheType?: 'f32' | 'q8_0';
}

/** Logits request for a forward call. */
export type LogitsMode = 'last' | 'all' | 'none';

/** One sequence's state: its KV cache and position. Owns preallocated scratch; not thread-safe. */
export interface Session {
  /** Tokens currently in the KV cache (= the position of the next token). */
  readonly pos: number;
  readonly capacity: number;
  /**
   * Runs `tokens` at positions pos .. pos+n−1, appends them to the cache and returns logits:
   * 'last' → [vocab] for the last token, 'all' → [n · vocab] row-major, 'none' → empty.
   * The returned array is owned by the session and overwritten by the next call: copy to keep.
   */
  forward(tokens: ArrayLike<number>, logits?: LogitsMode): Float32Array;
  /** Drops cache entries at positions ≥ pos (rewind for speculative decoding / edits). */
  truncate(pos: number): void;
  reset(): void;
  dispose(): void;
}

export interface CausalLM {
  readonly info: ModelInfo;
  readonly backend: Backend;
  /** The tokenizer stored with the model, if any. */
  readonly tokenizer: Tokenizer | undefined;
  newSession(opts?: SessionOptions): Session;
  /**
   * Runs several sessions one step together (one batched GEMM per layer): tokens[i] are appended
   * to sessions[i]. Returns each session's last-position logits (each array owned by its session).
   */
  forwardBatch(sessions: readonly Session[], tokens: readonly ArrayLike<number>[]): Float32Array[];
  /**
   * The final-norm hidden states of `tokens` run from position 0 on a fresh cache: [T, dim]
   * row-major, a new array owned by the caller (the LM head turns row t into token t's logits).
   */
  embed(tokens: ArrayLike<number>): Float32Array;
  /** Frees the weights. */
  dispose(): void;
}
