// The Qwen3 family (dense models).
import type { ModelFamily } from '../common/family.js';
import { llamaLikeGgufHparams, llamaLikeHfConfig } from '../llama/config.js';
import { qwen3ConfigFromGguf, qwen3ConfigFromHf } from './config.js';
import { buildQwen3 } from './model.js';
import { qwen3HfNames, qwen3TensorNames } from './weights.js';

export const qwen3: ModelFamily = {
  id: 'qwen3',
  ggufArchs: ['qwen3'],
  hfModelTypes: ['qwen3'],
  ggufArch: 'qwen3',
  configFromGguf: qwen3ConfigFromGguf,
  configFromHf: qwen3ConfigFromHf,
  hfNames: qwen3HfNames,
  tensorNames: qwen3TensorNames,
  hfConfig: (c) => llamaLikeHfConfig(c, 'qwen3', 'Qwen3ForCausalLM'),
  ggufHparams: (c) => [
    ...llamaLikeGgufHparams(c, 'qwen3').filter(
      ([k]) => !k.includes('key_length') && !k.includes('value_length'),
    ),
    ['qwen3.attention.key_length', c.headDim],
    ['qwen3.attention.value_length', c.headDim],
  ],
  build: buildQwen3,
};
