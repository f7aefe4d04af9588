// llmts/models: model families, the loader and the CausalLM/Session contract.
//   loadModel(pathOrSource, { backend, fs?, tokenizer?, tokenizerPath? }): Promise<CausalLM>
//   openCheckpoint(fs, path) / openSource(src, name): family + config + tensors, no upload
//   FAMILIES / familyById / familyForGgufArch / familyForHfModelType: the static registry
export type { CausalLM, LogitsMode, ModelInfo, Session, SessionOptions } from './causal-lm.js';
export { type Checkpoint, MapCheckpoint, memoryTensor, type TensorEntry } from './common/checkpoint.js';
export { estimateParams, type ModelConfig, validateConfig } from './common/config.js';
export { DecoderLM } from './common/decoder-lm.js';
export type { ModelFamily } from './common/family.js';
export { HfConfig } from './common/hf-config.js';
export { canonicalShape } from './common/shapes.js';
export { IDENTITY, type NameMap, TensorReader, WeightLoader } from './common/weights.js';
export { gpt2 } from './gpt2/index.js';
export { llama } from './llama/index.js';
export {
  buildFrom,
  type LoadModelOptions,
  loadModel,
  type ModelFs,
  type OpenCheckpoint,
  openCheckpoint,
  openSource,
} from './loader.js';
export { qwen2 } from './qwen2/index.js';
export { qwen3 } from './qwen3/index.js';
export { FAMILIES, familyById, familyForGgufArch, familyForHfModelType } from './registry.js';
export { loadTokenizerFile } from './tokenizer-attach.js';
