// LLaMA 1/2/3, TinyLlama, Mistral-style and SmolLM configs (GGUF arch `llama`, HF `llama`/`mistral`).
import type { Gguf } from '../../io/gguf/index.js';
import { f32Short, type ModelConfig } from '../common/config.js';
import { type DecoderTraits, decoderConfigFromGguf, decoderConfigFromHf } from '../common/decoder-config.js';
import type { HfConfig } from '../common/hf-config.js';

export const LLAMA_TRAITS: DecoderTraits = { family: 'llama', neox: false, qkvBias: false };

export function llamaConfigFromGguf(g: Gguf): ModelConfig {
  return decoderConfigFromGguf(g, 'llama', LLAMA_TRAITS);
}

export function llamaConfigFromHf(cfg: HfConfig): ModelConfig {
  // HF checkpoints store q/k in rotate-half order; the loader permutes them into GGUF's
  // adjacent-pair order, so the model itself always runs NORM rope like llama.cpp.
  return decoderConfigFromHf(cfg, LLAMA_TRAITS);
}

/** HF config.json fields shared by the LLaMA-like families. */
export function llamaLikeHfConfig(
  c: ModelConfig,
  modelType: string,
  archName: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    architectures: [archName],
    model_type: modelType,
    hidden_size: c.dim,
    intermediate_size: c.ffnDim,
    num_hidden_layers: c.nLayer,
    num_attention_heads: c.nHead,
    num_key_value_heads: c.nKvHead,
    head_dim: c.headDim,
    hidden_act: 'silu',
    rms_norm_eps: f32Short(c.normEps),
    rope_theta: f32Short(c.rope?.theta ?? 10000),
    rope_scaling:
      c.rope !== null && c.rope.freqScale !== 1 ? { type: 'linear', factor: 1 / c.rope.freqScale } : null,
    vocab_size: c.vocabSize,
    max_position_embeddings: c.contextLength,
    tie_word_embeddings: c.tiedEmbeddings,
    attention_bias: c.qkvBias,
    torch_dtype: 'float32',
  };
  if (c.bosId !== undefined) out.bos_token_id = c.bosId;
  if (c.eosId !== undefined) out.eos_token_id = c.eosId;
  return out;
}

/** GGUF `<arch>.*` hyper-parameters for a LLaMA-like config. */
export function llamaLikeGgufHparams(c: ModelConfig, arch: string): [string, number | string | boolean][] {
  const out: [string, number | string | boolean][] = [
    [`${arch}.context_length`, c.contextLength],
    [`${arch}.embedding_length`, c.dim],
    [`${arch}.block_count`, c.nLayer],
    [`${arch}.feed_forward_length`, c.ffnDim],
    [`${arch}.attention.head_count`, c.nHead],
    [`${arch}.attention.head_count_kv`, c.nKvHead],
    [`${arch}.attention.layer_norm_rms_epsilon`, c.normEps],
    [`${arch}.rope.freq_base`, c.rope?.theta ?? 10000],
    [`${arch}.rope.dimension_count`, c.rope?.dim ?? c.headDim],
  ];
  if (c.headDim * c.nHead !== c.dim) {
    out.push([`${arch}.attention.key_length`, c.headDim], [`${arch}.attention.value_length`, c.headDim]);
  }
  if (c.rope !== null && c.rope.freqScale !== 1) {
    out.push([`${arch}.rope.scaling.type`, 'linear'], [`${arch}.rope.scaling.factor`, 1 / c.rope.freqScale]);
  }
  return out;
}
