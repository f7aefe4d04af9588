// The Qwen2 forward is the LLaMA-like one with q/k/v biases and NeoX rope (set by the config).
import type { Backend } from '../../backend/backend.js';
import type { Tokenizer } from '../../tokenizers/tokenizer.js';
import type { ModelConfig } from '../common/config.js';
import type { DecoderLM } from '../common/decoder-lm.js';
import type { WeightLoader } from '../common/weights.js';
import { buildLlamaLike } from '../llama/model.js';

export function buildQwen2(
  backend: Backend,
  w: WeightLoader,
  c: ModelConfig,
  tokenizer?: Tokenizer,
): DecoderLM {
  return buildLlamaLike(backend, w, c, { qkNorm: false }, tokenizer);
}
