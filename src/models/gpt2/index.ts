// The GPT-2 family.
import type { ModelFamily } from '../common/family.js';
import { gpt2ConfigFromGguf, gpt2ConfigFromHf, gpt2GgufHparams, gpt2HfConfig } from './config.js';
import { buildGpt2 } from './model.js';
import { gpt2HfNames, gpt2TensorNames } from './weights.js';

export const gpt2: ModelFamily = {
  id: 'gpt2',
  ggufArchs: ['gpt2'],
  hfModelTypes: ['gpt2'],
  ggufArch: 'gpt2',
  configFromGguf: gpt2ConfigFromGguf,
  configFromHf: gpt2ConfigFromHf,
  hfNames: gpt2HfNames,
  tensorNames: gpt2TensorNames,
  hfConfig: gpt2HfConfig,
  ggufHparams: gpt2GgufHparams,
  build: buildGpt2,
};
