// nn/: model building blocks over the Backend interface (never a concrete backend).
export {
  Attention,
  type AttentionScratch,
  type AttentionShape,
  type RopeConfig,
  type SeqSpan,
} from './attention.js';
export { type BlockScratch, PreNormBlock } from './block.js';
export { Embedding } from './embedding.js';
export { KVCache } from './kv-cache.js';
export { Linear, type LinearLayer } from './linear.js';
export { GeluMlp, type Mlp, type MlpScratch, SwiGLU } from './mlp.js';
export { LayerNorm, type Norm, RMSNorm } from './norm.js';
