// Qwen3 checkpoint names: LLaMA-like names plus self_attn.q_norm / k_norm (attn_q_norm / attn_k_norm).
import type { ModelConfig } from '../common/config.js';
import type { NameMap } from '../common/weights.js';
import { llamaLikeHfNames, llamaLikeTensorNames } from '../llama/weights.js';

export function qwen3HfNames(c: ModelConfig): NameMap {
  return llamaLikeHfNames(c, false);
}

export function qwen3TensorNames(c: ModelConfig): string[] {
  return llamaLikeTensorNames(c, { qkvBias: c.qkvBias, qkNorm: true });
}
