export {
  BpeTrainer,
  type BpeTrainOptions,
  type BpeTrainResult,
  mergesText,
  toTokenizerJson,
} from './bpe-trainer.js';
