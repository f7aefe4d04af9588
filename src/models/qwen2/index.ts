// The Qwen2 family (Qwen2, Qwen2.5).
import type { ModelFamily } from '../common/family.js';
import { llamaLikeGgufHparams, llamaLikeHfConfig } from '../llama/config.js';
import { qwen2ConfigFromGguf, qwen2ConfigFromHf } from './config.js';
import { buildQwen2 } from './model.js';
import { qwen2HfNames, qwen2TensorNames } from './weights.js';

export const qwen2: ModelFamily = {
  id: 'qwen2',
  ggufArchs: ['qwen2'],
  hfModelTypes: ['qwen2'],
  ggufArch: 'qwen2',
  configFromGguf: qwen2ConfigFromGguf,
  configFromHf: qwen2ConfigFromHf,
  hfNames: qwen2HfNames,
  tensorNames: qwen2TensorNames,
  hfConfig: (c) => ({ ...llamaLikeHfConfig(c, 'qwen2', 'Qwen2ForCausalLM'), use_sliding_window: false }),
  ggufHparams: (c) => llamaLikeGgufHparams(c, 'qwen2'),
  build: buildQwen2,
};
