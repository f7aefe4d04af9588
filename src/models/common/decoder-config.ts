// Config parsing shared by the rotary-embedding decoders (llama, qwen2, qwen3): GGUF metadata
// (`<arch>.embedding_length` ...) and HF config.json (`hidden_size` ...), rope scaling included.
import { ConfigError, UnsupportedError } from '../../errors.js';
import { type Gguf, getFloat, getInt, getString, hasKey } from '../../io/gguf/index.js';
import type { RopeConfig } from '../../nn/attention.js';
import { checkDim, checkPositive, ggufFields, LIMITS, type ModelConfig, validateConfig } from './config.js';
import type { HfConfig } from './hf-config.js';

export interface DecoderTraits {
  /** Family id. */
  family: string;
  neox: boolean;
  qkvBias: boolean;
}

/** Rows of a GGUF tensor (ne[1]), or undefined. */
function ggufRows(g: Gguf, name: string): number | undefined {
  const t = g.tensors.find((x) => x.name === name);
  return t === undefined ? undefined : (t.shape[1] ?? 1);
}

function ggufTokenId(g: Gguf, key: string): number | undefined {
  return hasKey(g, key) ? getInt(g, key) : undefined;
}

/** Vocabulary size: the embedding's rows (GGUF's `<arch>.vocab_size` is optional). */
export function ggufVocab(g: Gguf, arch: string): number {
  const rows = ggufRows(g, 'token_embd.weight');
  if (rows === undefined) {
    throw new ConfigError(`${g.file}: tensor 'token_embd.weight' is missing`, {
      field: 'token_embd.weight',
      file: g.file,
    });
  }
  if (hasKey(g, `${arch}.vocab_size`)) {
    const v = getInt(g, `${arch}.vocab_size`);
    if (v !== rows) {
      throw new ConfigError(`${g.file}: ${arch}.vocab_size = ${v} but token_embd.weight has ${rows} rows`, {
        field: `${arch}.vocab_size`,
        file: g.file,
      });
    }
  }
  return rows;
}

export function decoderConfigFromGguf(g: Gguf, arch: string, t: DecoderTraits): ModelConfig {
  const f = g.file;
  const k = (s: string) => `${arch}.${s}`;
  const dim = checkDim(getInt(g, k('embedding_length')), k('embedding_length'), LIMITS.dim, f);
  const nHead = checkDim(getInt(g, k('attention.head_count')), k('attention.head_count'), LIMITS.heads, f);
  const nKvHead = checkDim(
    getInt(g, k('attention.head_count_kv'), nHead),
    k('attention.head_count_kv'),
    LIMITS.heads,
    f,
  );
  let headDim: number;
  if (hasKey(g, k('attention.key_length'))) {
    headDim = checkDim(getInt(g, k('attention.key_length')), k('attention.key_length'), LIMITS.headDim, f);
  } else {
    if (dim % nHead !== 0) {
      throw new ConfigError(`${f}: ${k('embedding_length')} ${dim} is not a multiple of the ${nHead} heads`, {
        field: k('attention.head_count'),
        file: f,
      });
    }
    headDim = dim / nHead;
  }
  const ropeDim = getInt(g, k('rope.dimension_count'), headDim);
  let freqScale = 1;
  const scaling = hasKey(g, k('rope.scaling.type')) ? getString(g, k('rope.scaling.type')) : 'none';
  if (scaling === 'linear') {
    freqScale = 1 / checkPositive(getFloat(g, k('rope.scaling.factor')), k('rope.scaling.factor'), f);
  } else if (scaling !== 'none') {
    throw new UnsupportedError(`${f}: rope scaling '${scaling}' is not supported`, {
      field: k('rope.scaling.type'),
      file: f,
    });
  }
  const rope: RopeConfig = {
    theta: getFloat(g, k('rope.freq_base'), 10000),
    dim: ropeDim,
    neox: t.neox,
    freqScale,
    freqFactors: undefined,
  };
  return validateConfig(
    {
      arch: t.family,
      vocabSize: ggufVocab(g, arch),
      dim,
      nLayer: getInt(g, k('block_count')),
      nHead,
      nKvHead,
      headDim,
      ffnDim: getInt(g, k('feed_forward_length')),
      contextLength: getInt(g, k('context_length')),
      normEps: getFloat(g, k('attention.layer_norm_rms_epsilon')),
      rope,
      tiedEmbeddings: !g.tensors.some((x) => x.name === 'output.weight'),
      qkvBias: t.qkvBias || g.tensors.some((x) => x.name === 'blk.0.attn_q.bias'),
      bosId: ggufTokenId(g, 'tokenizer.ggml.bos_token_id'),
      eosId: ggufTokenId(g, 'tokenizer.ggml.eos_token_id'),
    },
    f,
    ggufFields(arch),
  );
}

/** Llama-3 rope scaling: per-pair frequency divisors (as convert_hf_to_gguf writes rope_freqs). */
export function llama3FreqFactors(
  theta: number,
  dim: number,
  factor: number,
  lowFreqFactor: number,
  highFreqFactor: number,
  oldContext: number,
): Float32Array {
  const out = new Float32Array(dim / 2);
  const lowWavelen = oldContext / lowFreqFactor;
  const highWavelen = oldContext / highFreqFactor;
  for (let i = 0; i < dim / 2; i++) {
    const freq = 1 / theta ** ((2 * i) / dim);
    const wavelen = (2 * Math.PI) / freq;
    if (wavelen < highWavelen) out[i] = 1;
    else if (wavelen > lowWavelen) out[i] = factor;
    else {
      const smooth = (oldContext / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
      out[i] = 1 / ((1 - smooth) / factor + smooth);
    }
  }
  return out;
}

function ropeFromHf(cfg: HfConfig, headDim: number, neox: boolean): RopeConfig {
  const theta = checkPositive(cfg.num('rope_theta', 10000), 'rope_theta', cfg.file);
  const dim = Math.round(headDim * cfg.num('partial_rotary_factor', 1));
  const rope: RopeConfig = { theta, dim, neox, freqScale: 1, freqFactors: undefined };
  const rs = cfg.sub('rope_scaling');
  if (rs === undefined) return rope;
  const type = rs.has('rope_type') ? rs.str('rope_type') : rs.str('type', 'default');
  if (type === 'default') return rope;
  if (type === 'linear') {
    rope.freqScale = 1 / checkPositive(rs.num('factor'), 'rope_scaling.factor', cfg.file);
  } else if (type === 'llama3') {
    const factor = checkPositive(rs.num('factor', 8), 'rope_scaling.factor', cfg.file);
    const lo = checkPositive(rs.num('low_freq_factor', 1), 'rope_scaling.low_freq_factor', cfg.file);
    const hi = checkPositive(rs.num('high_freq_factor', 4), 'rope_scaling.high_freq_factor', cfg.file);
    if (hi <= lo) {
      throw new ConfigError(`${cfg.file}: rope_scaling.high_freq_factor must exceed low_freq_factor`, {
        field: 'rope_scaling.high_freq_factor',
        file: cfg.file,
      });
    }
    const old = checkDim(
      rs.int('original_max_position_embeddings', 8192),
      'rope_scaling.original_max_position_embeddings',
      LIMITS.context,
      cfg.file,
    );
    rope.freqFactors = llama3FreqFactors(theta, dim, factor, lo, hi, old);
  } else {
    throw new UnsupportedError(`${cfg.file}: rope_scaling type '${type}' is not supported`, {
      field: 'rope_scaling.rope_type',
      file: cfg.file,
    });
  }
  return rope;
}

export function decoderConfigFromHf(cfg: HfConfig, t: DecoderTraits): ModelConfig {
  const f = cfg.file;
  const dim = checkDim(cfg.int('hidden_size'), 'hidden_size', LIMITS.dim, f);
  const nHead = checkDim(cfg.int('num_attention_heads'), 'num_attention_heads', LIMITS.heads, f);
  const nKvHead = checkDim(cfg.int('num_key_value_heads', nHead), 'num_key_value_heads', LIMITS.heads, f);
  let headDim: number;
  if (cfg.has('head_dim')) headDim = checkDim(cfg.int('head_dim'), 'head_dim', LIMITS.headDim, f);
  else {
    if (dim % nHead !== 0) {
      throw new ConfigError(`${f}: hidden_size ${dim} is not a multiple of num_attention_heads ${nHead}`, {
        field: 'num_attention_heads',
        file: f,
      });
    }
    headDim = dim / nHead;
  }
  const act = cfg.str('hidden_act', 'silu');
  if (act !== 'silu' && act !== 'swish') {
    throw new UnsupportedError(`${f}: hidden_act '${act}' is not supported (silu only)`, {
      field: 'hidden_act',
      file: f,
    });
  }
  // Sliding windows (Mistral's `sliding_window`, Qwen2's `use_sliding_window`) are not applied:
  // llama.cpp runs these architectures with full causal attention, and so do we.
  return validateConfig(
    {
      arch: t.family,
      vocabSize: cfg.int('vocab_size'),
      dim,
      nLayer: cfg.int('num_hidden_layers'),
      nHead,
      nKvHead,
      headDim,
      ffnDim: cfg.int('intermediate_size'),
      contextLength: cfg.int('max_position_embeddings', 2048),
      normEps: cfg.num('rms_norm_eps', 1e-6),
      rope: ropeFromHf(cfg, headDim, t.neox),
      tiedEmbeddings: cfg.bool('tie_word_embeddings', false),
      qkvBias: t.qkvBias || cfg.bool('attention_bias', false),
      bosId: cfg.tokenId('bos_token_id'),
      eosId: cfg.tokenId('eos_token_id'),
    },
    f,
  );
}
