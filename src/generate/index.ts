// llmts/generate: the decode loop, samplers, chat, constrained JSON output, speculative decoding
// and perplexity.
export { type ChatOptions, ChatSession, type ChatTurnOptions } from './chat.js';
export {
  type ChatPromptOptions,
  chatPromptIds,
  encodeMarked,
  findSpecial,
  markMessages,
  markText,
  renderChat,
  renderMarked,
  unmarkText,
} from './chat-prompt.js';
export {
  eogSet,
  type FinishReason,
  type GeneratedPiece,
  type GenerateOptions,
  type GenerationResult,
  type GenerationStream,
  type GenerationTimings,
  generate,
  generateText,
  promptIds,
} from './generate.js';
export {
  compileJsonSchema,
  createJsonConstraint,
  JsonConstraint,
  JsonMachine,
  type JsonSchema,
  validateJson,
} from './grammar/index.js';
export { type TokenLogprob, topLogprobs } from './logprobs.js';
export { type PerplexityOptions, type PerplexityResult, perplexity } from './perplexity.js';
export { Candidates } from './samplers/candidates.js';
export {
  createSamplerChain,
  resolveSampling,
  SAMPLING_DEFAULTS,
  SamplerChain,
  type SamplingOptions,
} from './samplers/chain.js';
export { Rng } from './samplers/rng.js';
export type { Sampler } from './samplers/sampler.js';
export { Sequence, type SequenceOptions } from './sequence.js';
export type { SpeculativeStats } from './speculative.js';
export { StopMatcher } from './stop.js';
