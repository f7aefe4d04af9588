// GPT-2 configs: learned absolute positions, LayerNorm, GELU MLP (tanh form; the exact form from
// Hugging Face's activation_function 'gelu'), fused qkv with biases.
import { ConfigError, UnsupportedError } from '../../errors.js';
import { type Gguf, getFloat, getInt, hasKey } from '../../io/gguf/index.js';
import {
  checkDim,
  f32Short,
  ggufFields,
  HF_FIELDS,
  LIMITS,
  type ModelConfig,
  validateConfig,
} from '../common/config.js';
import { ggufVocab } from '../common/decoder-config.js';
import type { HfConfig } from '../common/hf-config.js';

function headDimOf(dim: number, nHead: number, field: string, file: string): number {
  if (dim % nHead !== 0) {
    throw new ConfigError(`${file}: embedding size ${dim} is not a multiple of the ${nHead} heads`, {
      field,
      file,
    });
  }
  return dim / nHead;
}

export function gpt2ConfigFromGguf(g: Gguf): ModelConfig {
  const f = g.file;
  const dim = checkDim(getInt(g, 'gpt2.embedding_length'), 'gpt2.embedding_length', LIMITS.dim, f);
  const nHead = checkDim(
    getInt(g, 'gpt2.attention.head_count'),
    'gpt2.attention.head_count',
    LIMITS.heads,
    f,
  );
  return validateConfig(
    {
      arch: 'gpt2',
      vocabSize: ggufVocab(g, 'gpt2'),
      dim,
      nLayer: getInt(g, 'gpt2.block_count'),
      nHead,
      nKvHead: nHead,
      headDim: headDimOf(dim, nHead, 'gpt2.attention.head_count', f),
      ffnDim: getInt(g, 'gpt2.feed_forward_length'),
      contextLength: getInt(g, 'gpt2.context_length'),
      normEps: getFloat(g, 'gpt2.attention.layer_norm_epsilon'),
      rope: null,
      tiedEmbeddings: !g.tensors.some((t) => t.name === 'output.weight'),
      qkvBias: true,
      bosId: hasKey(g, 'tokenizer.ggml.bos_token_id') ? getInt(g, 'tokenizer.ggml.bos_token_id') : undefined,
      eosId: hasKey(g, 'tokenizer.ggml.eos_token_id') ? getInt(g, 'tokenizer.ggml.eos_token_id') : undefined,
    },
    f,
    { ...ggufFields('gpt2'), normEps: 'gpt2.attention.layer_norm_epsilon' },
  );
}

/** tanh-approximation GELU names (llama.cpp's GPT-2 always uses the tanh form). */
const TANH_GELU = new Set(['gelu_new', 'gelu_pytorch_tanh', 'gelu_fast']);
/** Exact (erf) GELU names: transformers' ACT2FN 'gelu' is torch's GELU(approximate='none'). */
const ERF_GELU = new Set(['gelu']);

export function gpt2ConfigFromHf(cfg: HfConfig): ModelConfig {
  const f = cfg.file;
  const dim = checkDim(cfg.int('n_embd'), 'n_embd', LIMITS.dim, f);
  const nHead = checkDim(cfg.int('n_head'), 'n_head', LIMITS.heads, f);
  const act = cfg.str('activation_function', 'gelu_new');
  if (!TANH_GELU.has(act) && !ERF_GELU.has(act)) {
    const known = [...TANH_GELU, ...ERF_GELU].join(', ');
    throw new UnsupportedError(`${f}: activation_function '${act}' is not supported (${known})`, {
      field: 'activation_function',
      file: f,
    });
  }
  return validateConfig(
    {
      arch: 'gpt2',
      vocabSize: cfg.int('vocab_size'),
      dim,
      nLayer: cfg.int('n_layer'),
      nHead,
      nKvHead: nHead,
      headDim: headDimOf(dim, nHead, 'n_head', f),
      ffnDim: cfg.has('n_inner') ? cfg.int('n_inner') : 4 * dim,
      contextLength: cfg.int('n_positions'),
      normEps: cfg.num('layer_norm_epsilon', 1e-5),
      rope: null,
      tiedEmbeddings: cfg.bool('tie_word_embeddings', true),
      qkvBias: true,
      gelu: ERF_GELU.has(act) ? 'erf' : 'tanh',
      bosId: cfg.tokenId('bos_token_id'),
      eosId: cfg.tokenId('eos_token_id'),
    },
    f,
    {
      ...HF_FIELDS,
      dim: 'n_embd',
      nLayer: 'n_layer',
      nHead: 'n_head',
      nKvHead: 'n_head',
      headDim: 'n_head',
      ffnDim: 'n_inner',
      contextLength: 'n_positions',
      normEps: 'layer_norm_epsilon',
    },
  );
}

export function gpt2HfConfig(c: ModelConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    vocab_size: c.vocabSize,
    n_positions: c.contextLength,
    n_ctx: c.contextLength,
    n_embd: c.dim,
    n_layer: c.nLayer,
    n_head: c.nHead,
    n_inner: c.ffnDim,
    activation_function: c.gelu === 'erf' ? 'gelu' : 'gelu_new',
    layer_norm_epsilon: f32Short(c.normEps),
    tie_word_embeddings: c.tiedEmbeddings,
    torch_dtype: 'float32',
  };
  if (c.bosId !== undefined) out.bos_token_id = c.bosId;
  if (c.eosId !== undefined) out.eos_token_id = c.eosId;
  return out;
}

export function gpt2GgufHparams(c: ModelConfig): [string, number | string | boolean][] {
  if (c.gelu === 'erf') {
    throw new UnsupportedError(
      "GGUF's gpt2 architecture computes GELU in its tanh form (llama.cpp); a model with the exact GELU (activation_function 'gelu') would change its outputs as GGUF",
      { field: 'activation_function' },
    );
  }
  return [
    ['gpt2.context_length', c.contextLength],
    ['gpt2.embedding_length', c.dim],
    ['gpt2.feed_forward_length', c.ffnDim],
    ['gpt2.block_count', c.nLayer],
    ['gpt2.attention.head_count', c.nHead],
    ['gpt2.attention.layer_norm_epsilon', c.normEps],
  ];
}
