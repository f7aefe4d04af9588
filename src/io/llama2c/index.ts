// llama2.c `.bin` v0 checkpoints: readLlama2c(src) -> { config, tensors } and readLlama2cTensor.
export * from './read.js';
