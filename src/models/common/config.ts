// The resolved hyper-parameters of a decoder-only model, shared by every family, and the checks
// every family runs on them (hostile files: zero, negative, absurd or non-dividing sizes).
import { CapacityError, ConfigError } from '../../errors.js';
import type { RopeConfig } from '../../nn/attention.js';

export interface ModelConfig {
  /** Family id ('llama' | 'qwen2' | 'qwen3' | 'gpt2'). */
  arch: string;
  vocabSize: number;
  /** Hidden size (n_embd). */
  dim: number;
  nLayer: number;
  nHead: number;
  nKvHead: number;
  headDim: number;
  /** Feed-forward inner size. */
  ffnDim: number;
  contextLength: number;
  normEps: number;
  /** null: no rotary embedding (GPT-2 learned positions). */
  rope: RopeConfig | null;
  /** The LM head reuses the token embedding. */
  tiedEmbeddings: boolean;
  /** q/k/v projections carry biases (Qwen2, HF `attention_bias`). */
  qkvBias: boolean;
  /** GPT-2 family: GELU's form in the MLP ('tanh', the default: `gelu_new`; 'erf': exact `gelu`). */
  gelu?: 'tanh' | 'erf' | undefined;
  /** Sliding-window attention span, if the model uses one. */
  window?: number | undefined;
  bosId?: number | undefined;
  eosId?: number | undefined;
}

/** Upper bounds that no real model reaches; beyond them a file is treated as corrupt. */
export const LIMITS = {
  vocab: 1 << 22,
  dim: 1 << 17,
  layers: 1024,
  heads: 4096,
  headDim: 4096,
  ffn: 1 << 20,
  context: 1 << 24,
} as const;

/** Checks that `v` is an integer in [1, max]; ConfigError naming `field` otherwise. */
export function checkDim(v: unknown, field: string, max: number, file?: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
    throw new ConfigError(`${field} must be an integer in 1..${max}, got ${String(v)}`, { field, file });
  }
  return v;
}

/** Checks a finite positive float (eps, theta). */
export function checkPositive(v: unknown, field: string, file?: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new ConfigError(`${field} must be a positive number, got ${String(v)}`, { field, file });
  }
  return v;
}

/** How the fields are spelled in the source file (HF config.json names by default). */
export interface FieldNames {
  vocabSize: string;
  dim: string;
  nLayer: string;
  nHead: string;
  nKvHead: string;
  headDim: string;
  ffnDim: string;
  contextLength: string;
  normEps: string;
  ropeTheta: string;
  ropeDim: string;
}

export const HF_FIELDS: FieldNames = {
  vocabSize: 'vocab_size',
  dim: 'hidden_size',
  nLayer: 'num_hidden_layers',
  nHead: 'num_attention_heads',
  nKvHead: 'num_key_value_heads',
  headDim: 'head_dim',
  ffnDim: 'intermediate_size',
  contextLength: 'max_position_embeddings',
  normEps: 'norm_eps',
  ropeTheta: 'rope_theta',
  ropeDim: 'rope.dimension_count',
};

/** GGUF key names for architecture `arch`. */
export function ggufFields(arch: string): FieldNames {
  const k = (s: string) => `${arch}.${s}`;
  return {
    vocabSize: 'token_embd.weight',
    dim: k('embedding_length'),
    nLayer: k('block_count'),
    nHead: k('attention.head_count'),
    nKvHead: k('attention.head_count_kv'),
    headDim: k('attention.key_length'),
    ffnDim: k('feed_forward_length'),
    contextLength: k('context_length'),
    normEps: k('attention.layer_norm_rms_epsilon'),
    ropeTheta: k('rope.freq_base'),
    ropeDim: k('rope.dimension_count'),
  };
}

/** Validates the cross-field rules of a resolved config. */
export function validateConfig(c: ModelConfig, file?: string, f: FieldNames = HF_FIELDS): ModelConfig {
  checkDim(c.vocabSize, f.vocabSize, LIMITS.vocab, file);
  checkDim(c.dim, f.dim, LIMITS.dim, file);
  checkDim(c.nLayer, f.nLayer, LIMITS.layers, file);
  checkDim(c.nHead, f.nHead, LIMITS.heads, file);
  checkDim(c.nKvHead, f.nKvHead, LIMITS.heads, file);
  checkDim(c.headDim, f.headDim, LIMITS.headDim, file);
  checkDim(c.ffnDim, f.ffnDim, LIMITS.ffn, file);
  checkDim(c.contextLength, f.contextLength, LIMITS.context, file);
  checkPositive(c.normEps, f.normEps, file);
  if (c.nHead % c.nKvHead !== 0) {
    throw new ConfigError(`${f.nHead} (${c.nHead}) is not a multiple of ${f.nKvHead} (${c.nKvHead})`, {
      field: f.nKvHead,
      file,
    });
  }
  if (c.rope !== null) {
    checkPositive(c.rope.theta, f.ropeTheta, file);
    checkPositive(c.rope.freqScale, 'rope_scaling.factor', file);
    if (!Number.isInteger(c.rope.dim) || c.rope.dim < 2 || c.rope.dim % 2 !== 0 || c.rope.dim > c.headDim) {
      throw new ConfigError(`rope dimension ${c.rope.dim} must be even and in 2..head_dim (${c.headDim})`, {
        field: f.ropeDim,
        file,
      });
    }
    if (c.rope.freqFactors !== undefined && c.rope.freqFactors.length !== c.rope.dim / 2) {
      throw new ConfigError(
        `rope frequency factors have ${c.rope.freqFactors.length} entries, expected ${c.rope.dim / 2}`,
        { field: 'rope_freqs.weight', file },
      );
    }
  }
  for (const [k, v] of [
    ['bos_token_id', c.bosId],
    ['eos_token_id', c.eosId],
  ] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) {
      throw new ConfigError(`${k} must be a non-negative integer, got ${String(v)}`, { field: k, file });
    }
  }
  if (c.window !== undefined) checkDim(c.window, 'sliding_window', LIMITS.context, file);
  // Memory estimate: f32 parameters of the dense shapes must stay addressable.
  const est = estimateParams(c);
  if (!Number.isSafeInteger(est) || est > 2 ** 40) {
    throw new CapacityError(`model declares ~${est.toExponential(2)} parameters: too large to load`, {
      field: f.dim,
      file,
    });
  }
  return c;
}

/** Parameter count implied by the config (embeddings, attention, MLP, norms, head). */
export function estimateParams(c: ModelConfig): number {
  const q = c.nHead * c.headDim;
  const kv = c.nKvHead * c.headDim;
  const perLayer = c.dim * (q + 2 * kv) + q * c.dim + 3 * c.dim * c.ffnDim + 2 * c.dim;
  return c.vocabSize * c.dim * (c.tiedEmbeddings ? 1 : 2) + c.nLayer * perLayer + c.dim;
}

/** The shortest decimal that reads back as the same f32 (GGUF floats are f32: 1e-5, not 9.99999974e-6). */
export function f32Short(x: number): number {
  const f = Math.fround(x);
  for (let p = 1; p <= 9; p++) {
    const y = Number(f.toPrecision(p));
    if (Math.fround(y) === f) return y;
  }
  return x;
}
