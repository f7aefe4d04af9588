// Qwen2 / Qwen2.5 configs: q/k/v biases, NeoX (rotate-half) rope, tied or untied head.
import type { Gguf } from '../../io/gguf/index.js';
import type { ModelConfig } from '../common/config.js';
import { type DecoderTraits, decoderConfigFromGguf, decoderConfigFromHf } from '../common/decoder-config.js';
import type { HfConfig } from '../common/hf-config.js';

export const QWEN2_TRAITS: DecoderTraits = { family: 'qwen2', neox: true, qkvBias: true };

export function qwen2ConfigFromGguf(g: Gguf): ModelConfig {
  return decoderConfigFromGguf(g, 'qwen2', QWEN2_TRAITS);
}

export function qwen2ConfigFromHf(cfg: HfConfig): ModelConfig {
  return decoderConfigFromHf(cfg, QWEN2_TRAITS);
}
