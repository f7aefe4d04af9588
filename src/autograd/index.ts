// Tape-based reverse-mode autograd over the Backend primitives.
export { Graph } from './graph.js';
export { causalAttention, type RopeSpec, rope } from './ops/attention.js';
export { attentionParams } from './ops/attention-params.js';
export { add, gelu, scale, silu, swiglu } from './ops/elementwise.js';
export { addPositions, embedding } from './ops/embedding.js';
export { linear, matmul } from './ops/linear.js';
export { crossEntropy, type LossResult } from './ops/loss.js';
export { layernorm, rmsnorm } from './ops/norm.js';
export {
  type BradleyTerryStats,
  bradleyTerryLoss,
  type DistillStats,
  distillLoss,
  type PpoBatch,
  type PpoLossConfig,
  type PpoStats,
  ppoLoss,
  tokenLogProbs,
} from './ops/rl.js';
export { type DpoStats, dpoLoss, sequenceLogProbs } from './ops/sequence.js';
export { type ParamSpec, ParamStore } from './params.js';
export { Var } from './var.js';
