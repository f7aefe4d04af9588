// Qwen3 configs: NeoX rope, per-head RMSNorm of q and k, explicit head_dim, no q/k/v biases.
import type { Gguf } from '../../io/gguf/index.js';
import type { ModelConfig } from '../common/config.js';
import { type DecoderTraits, decoderConfigFromGguf, decoderConfigFromHf } from '../common/decoder-config.js';
import type { HfConfig } from '../common/hf-config.js';

export const QWEN3_TRAITS: DecoderTraits = { family: 'qwen3', neox: true, qkvBias: false };

export function qwen3ConfigFromGguf(g: Gguf): ModelConfig {
  return decoderConfigFromGguf(g, 'qwen3', QWEN3_TRAITS);
}

export function qwen3ConfigFromHf(cfg: HfConfig): ModelConfig {
  return decoderConfigFromHf(cfg, QWEN3_TRAITS);
}
