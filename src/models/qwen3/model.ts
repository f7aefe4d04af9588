// The Qwen3 forward: LLaMA-like with RMSNorm over each q and k head before rope.
import type { Backend } from '../../backend/backend.js';
import type { Tokenizer } from '../../tokenizers/tokenizer.js';
import type { ModelConfig } from '../common/config.js';
import type { DecoderLM } from '../common/decoder-lm.js';
import type { WeightLoader } from '../common/weights.js';
import { buildLlamaLike } from '../llama/model.js';

export function buildQwen3(
  backend: Backend,
  w: WeightLoader,
  c: ModelConfig,
  tokenizer?: Tokenizer,
): DecoderLM {
  return buildLlamaLike(backend, w, c, { qkNorm: true }, tokenizer);
}
