// Trainable architectures, registered statically by name.
import type { Graph, LossResult, ParamStore, Var } from '../../autograd/index.js';
import { crossEntropy } from '../../autograd/index.js';
import type { Rng } from '../rng.js';
import { type Gpt2TrainConfig, gpt2Hidden, gpt2Logits, initGpt2Params, validateGpt2Config } from './gpt2.js';
import {
  initLlamaParams,
  type LlamaTrainConfig,
  llamaHidden,
  llamaLogits,
  validateLlamaConfig,
} from './llama.js';
import type { Adapters } from './lora.js';

export type NetConfig = LlamaTrainConfig | Gpt2TrainConfig;
export type { Gpt2TrainConfig, LlamaTrainConfig };

export interface Net {
  validate(c: NetConfig): void;
  init(params: ParamStore, c: NetConfig, rng: Rng): void;
  /** Final-norm hidden states [B·T, D] (the input of the LM head; reward and value heads). */
  hidden(
    g: Graph,
    params: ParamStore,
    c: NetConfig,
    inputs: Int32Array,
    batch: number,
    t: number,
    adapters?: Adapters,
  ): Var;
  /** Logits [B·T, V]. */
  logits(
    g: Graph,
    params: ParamStore,
    c: NetConfig,
    inputs: Int32Array,
    batch: number,
    t: number,
    adapters?: Adapters,
  ): Var;
}

export const NETS: Readonly<Record<NetConfig['arch'], Net>> = {
  llama: {
    validate: (c) => validateLlamaConfig(c as LlamaTrainConfig),
    init: (p, c, r) => initLlamaParams(p, c as LlamaTrainConfig, r),
    hidden: (g, p, c, i, b, t, a) => llamaHidden(g, p, c as LlamaTrainConfig, i, b, t, a),
    logits: (g, p, c, i, b, t, a) => llamaLogits(g, p, c as LlamaTrainConfig, i, b, t, a),
  },
  gpt2: {
    validate: (c) => validateGpt2Config(c as Gpt2TrainConfig),
    init: (p, c, r) => initGpt2Params(p, c as Gpt2TrainConfig, r),
    hidden: (g, p, c, i, b, t, a) => gpt2Hidden(g, p, c as Gpt2TrainConfig, i, b, t, a),
    logits: (g, p, c, i, b, t, a) => gpt2Logits(g, p, c as Gpt2TrainConfig, i, b, t, a),
  },
};

/** Mean next-token loss of a batch for any registered architecture. */
export function netLoss(
  g: Graph,
  params: ParamStore,
  c: NetConfig,
  inputs: Int32Array,
  targets: Int32Array,
  batch: number,
  t: number,
  adapters?: Adapters,
): LossResult {
  return crossEntropy(g, NETS[c.arch].logits(g, params, c, inputs, batch, t, adapters), targets);
}
