// Qwen2 checkpoint names: LLaMA-like names with q/k/v biases; no Q/K permutation (NeoX rope).
import type { ModelConfig } from '../common/config.js';
import type { NameMap } from '../common/weights.js';
import { llamaLikeHfNames, llamaLikeTensorNames } from '../llama/weights.js';

export function qwen2HfNames(c: ModelConfig): NameMap {
  return llamaLikeHfNames(c, false);
}

export function qwen2TensorNames(c: ModelConfig): string[] {
  return llamaLikeTensorNames(c, { qkvBias: true, qkNorm: false });
}
