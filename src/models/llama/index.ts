// The LLaMA family: LLaMA 1/2/3, TinyLlama, Mistral-style, SmolLM (GQA, NORM rope).
import type { ModelFamily } from '../common/family.js';
import { llamaConfigFromGguf, llamaConfigFromHf, llamaLikeGgufHparams, llamaLikeHfConfig } from './config.js';
import { buildLlamaLike } from './model.js';
import { llamaLikeHfNames, llamaLikeTensorNames } from './weights.js';

export const llama: ModelFamily = {
  id: 'llama',
  ggufArchs: ['llama'],
  hfModelTypes: ['llama', 'mistral'],
  ggufArch: 'llama',
  configFromGguf: llamaConfigFromGguf,
  configFromHf: llamaConfigFromHf,
  hfNames: (c) => llamaLikeHfNames(c, true),
  tensorNames: (c) => llamaLikeTensorNames(c, { qkvBias: c.qkvBias, qkNorm: false }),
  hfConfig: (c) => llamaLikeHfConfig(c, 'llama', 'LlamaForCausalLM'),
  ggufHparams: (c) => [...llamaLikeGgufHparams(c, 'llama'), ['llama.vocab_size', c.vocabSize]],
  build: (backend, loader, c, tokenizer) => buildLlamaLike(backend, loader, c, { qkNorm: false }, tokenizer),
};
