// Named training recipes. A preset fixes the architecture and the optimisation settings; the
// vocabulary size comes from the tokenizer at run time. CLI flags override single fields.
import type { AdamWConfig } from './adamw.js';
import type { Gpt2TrainConfig, LlamaTrainConfig } from './nets/index.js';

/** An architecture without its vocabulary size (filled from the tokenizer at run time). */
export type NetShape = Omit<LlamaTrainConfig, 'vocabSize'> | Omit<Gpt2TrainConfig, 'vocabSize'>;

export interface Recipe {
  net: NetShape;
  tokenizer: 'bytes' | string;
  batchSize: number;
  blockSize: number;
  gradAccum: number;
  maxSteps: number;
  lr: number;
  minLr: number;
  warmupSteps: number;
  optim: AdamWConfig;
  evalEvery: number;
  evalBatches: number;
  saveEvery: number;
  valFraction: number;
}

const NANOGPT_OPTIM: AdamWConfig = { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1, gradClip: 1 };

export const PRESETS: Readonly<Record<string, Recipe>> = {
  // nanoGPT's Shakespeare-char CPU recipe (README "I only have a macbook"): 4 layers, 4 heads,
  // 128 wide, context 64, batch 12, 2000 iterations, dropout 0. Target: val loss ≤ 1.88.
  'nanogpt-shakespeare-char': {
    net: {
      arch: 'gpt2',
      dim: 128,
      nLayer: 4,
      nHead: 4,
      ffnDim: 512,
      contextLength: 64,
      normEps: 1e-5,
      bias: false,
    },
    tokenizer: 'bytes',
    batchSize: 12,
    blockSize: 64,
    gradAccum: 1,
    maxSteps: 2000,
    lr: 1e-3,
    minLr: 1e-4,
    warmupSteps: 100,
    optim: NANOGPT_OPTIM,
    evalEvery: 250,
    evalBatches: 20,
    saveEvery: 500,
    valFraction: 0.1,
  },
  // The bundled default model: a small LLaMA (GQA, RoPE, SwiGLU, tied head) trained byte-level on
  // Shakespeare and Tang poetry, so it writes both English and Chinese (models/default/).
  'default-llama': {
    net: {
      arch: 'llama',
      dim: 128,
      nLayer: 6,
      nHead: 4,
      nKvHead: 2,
      ffnDim: 384,
      contextLength: 256,
      ropeTheta: 10000,
      normEps: 1e-5,
      tiedEmbeddings: true,
    },
    tokenizer: 'bytes',
    batchSize: 12,
    blockSize: 128,
    gradAccum: 1,
    maxSteps: 2500,
    lr: 2e-3,
    minLr: 2e-4,
    warmupSteps: 100,
    optim: NANOGPT_OPTIM,
    evalEvery: 250,
    evalBatches: 20,
    saveEvery: 250,
    valFraction: 0.05,
  },
  // A llama2.c stories15M-shaped model (dim 288, 6 layers, 6 heads).
  stories15m: {
    net: {
      arch: 'llama',
      dim: 288,
      nLayer: 6,
      nHead: 6,
      nKvHead: 6,
      ffnDim: 768,
      contextLength: 256,
      ropeTheta: 10000,
      normEps: 1e-5,
      tiedEmbeddings: true,
    },
    tokenizer: 'bytes',
    batchSize: 8,
    blockSize: 256,
    gradAccum: 1,
    maxSteps: 5000,
    lr: 5e-4,
    minLr: 5e-5,
    warmupSteps: 100,
    optim: { ...NANOGPT_OPTIM, beta2: 0.95 },
    evalEvery: 250,
    evalBatches: 20,
    saveEvery: 500,
    valFraction: 0.05,
  },
  // GPT-2 small (124M) shape, as llm.c's CPU reference.
  'gpt2-124m': {
    net: { arch: 'gpt2', dim: 768, nLayer: 12, nHead: 12, ffnDim: 3072, contextLength: 1024, normEps: 1e-5 },
    tokenizer: 'bytes',
    batchSize: 4,
    blockSize: 64,
    gradAccum: 1,
    maxSteps: 1000,
    lr: 6e-4,
    minLr: 6e-5,
    warmupSteps: 100,
    optim: { ...NANOGPT_OPTIM, beta2: 0.95 },
    evalEvery: 100,
    evalBatches: 10,
    saveEvery: 500,
    valFraction: 0.05,
  },
};

/**
 * The same recipe shape in the other architecture family (`llmts train --arch` with a preset of
 * the other family): width, depth, heads, context and norm ε are kept. gpt2 → llama: RMSNorm,
 * RoPE (θ 10000), SwiGLU with the feed-forward width 2/3 of GPT-2's (rounded up to a multiple of
 * 8, so the MLP keeps its parameter count: three matrices instead of two), no biases, tied head
 * (as GPT-2), one KV head per head. llama → gpt2: the feed-forward width 3/2 of the SwiGLU one
 * (rounded to a multiple of 8), frozen zero biases (nanoGPT's bias=False), full multi-head
 * attention.
 */
export function withArch(net: NetShape, arch: 'gpt2' | 'llama'): NetShape {
  if (net.arch === arch) return net;
  const { dim, nLayer, nHead, contextLength, normEps } = net;
  if (arch === 'llama') {
    const ffnDim = Math.ceil((2 * net.ffnDim) / 3 / 8) * 8;
    return {
      arch,
      dim,
      nLayer,
      nHead,
      nKvHead: nHead,
      ffnDim,
      contextLength,
      ropeTheta: 10000,
      normEps,
      tiedEmbeddings: true,
    };
  }
  const ffnDim = Math.max(8, Math.round((3 * net.ffnDim) / 2 / 8) * 8);
  return { arch, dim, nLayer, nHead, ffnDim, contextLength, normEps, bias: false };
}
