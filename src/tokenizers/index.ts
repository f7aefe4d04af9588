// llmts/tokenizers: every tokenizer implements the `Tokenizer` interface (tokenizer.ts).
// Node file loading is in load-node.ts (`loadTokenizer(path)`), not re-exported here.
export { BaseTokenizer, completePrefix } from './base.js';
export { ByteBpeTokenizer, type PreTokenizer } from './bpe.js';
export { tokenizerFromGguf } from './gguf-vocab.js';
export { tokenizerFromGpt2Files } from './gpt2-files.js';
export { tokenizerFromHfJson } from './hf-json.js';
export { GPT2_PATTERN, LLAMA3_PATTERN, NAMED_PATTERNS, O200K_PATTERN, QWEN2_PATTERN } from './patterns.js';
export { tokenizerFromLlama2c, tokenizerFromSentencePiece } from './sentencepiece.js';
export { SpmTokenizer } from './spm.js';
export { parseTiktokenRanks, TIKTOKEN_ENCODINGS, tiktokenEncoding, tiktokenFromRanks } from './tiktoken.js';
export type { DecodeOptions, EncodeOptions, StreamDecoder, Tokenizer } from './tokenizer.js';
export {
  BpeTrainer,
  type BpeTrainOptions,
  type BpeTrainResult,
  mergesText,
  toTokenizerJson,
} from './train/index.js';
export { WpmTokenizer } from './wpm.js';
