// llmts/browser: what a web page needs, free of Node modules (scripts/bundle-browser.mjs checks
// it and builds dist/browser/llmts.js). Compute runs on the JS backend; the WASM backend's
// browser set-up (fetching and instantiating the kernels) is not wired yet.
//   const backend = new JsBackend();
//   const model = await fetchModel('/models/stories260K.gguf', { backend });
//   const r = await generateText(model, 'Once upon a time', { maxTokens: 64, temperature: 0 });

export type { Backend, Buf } from '../backend/backend.js';
export { type CreateBackendOptions, createBackend } from '../backend/create.js';
export { JsBackend, type JsBackendOptions } from '../backend/js/index.js';
export * from '../errors.js';
export { type ChatOptions, ChatSession, type ChatTurnOptions } from '../generate/chat.js';
export {
  type FinishReason,
  type GeneratedPiece,
  type GenerateOptions,
  type GenerationResult,
  type GenerationStream,
  generate,
  generateText,
} from '../generate/generate.js';
export {
  createSamplerChain,
  resolveSampling,
  SAMPLING_DEFAULTS,
  SamplerChain,
  type SamplingOptions,
} from '../generate/samplers/chain.js';
export { MemorySource } from '../io/byte-source.js';
export type { CausalLM, ModelInfo, Session, SessionOptions } from '../models/causal-lm.js';
export { type LoadModelOptions, loadModel } from '../models/loader.js';
export { tokenizerFromGguf } from '../tokenizers/gguf-vocab.js';
export { tokenizerFromHfJson } from '../tokenizers/hf-json.js';
export type { DecodeOptions, EncodeOptions, Tokenizer } from '../tokenizers/tokenizer.js';
export { ADAMW_DEFAULTS, type AdamWConfig } from '../train/adamw.js';
export { NETS, type NetConfig } from '../train/nets/index.js';
export type { ScheduleConfig } from '../train/schedule.js';
export { type StepLog, type TrainConfig, Trainer } from '../train/trainer.js';
export { demoConfig, demoTokens, type TrainDemoOptions, type TrainDemoResult, trainDemo } from './demo.js';
export {
  type BrowserLoadOptions,
  DEFAULT_MAX_MODEL_BYTES,
  type FetchModelOptions,
  fetchBytes,
  fetchModel,
  loadModelFromBytes,
} from './fetch-model.js';
