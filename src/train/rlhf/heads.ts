// Scalar heads on a net's final hidden states: the reward model's `score` (HF
// *ForSequenceClassification with num_labels 1, no bias) and PPO's value head `v_head` (TRL's
// AutoModelForCausalLMWithValueHead: Linear(D, 1) with bias).
import { type Graph, linear, type ParamStore, type Var } from '../../autograd/index.js';
import type { NetConfig } from '../nets/index.js';
import type { Rng } from '../rng.js';

export const SCORE_HEAD = 'score.weight';
export const VALUE_HEAD = 'v_head.weight';
export const VALUE_BIAS = 'v_head.bias';

/** The LM head weight of a net [V, D] (tied to the embedding for GPT-2 and tied LLaMAs). */
export function lmHead(params: ParamStore, c: NetConfig): Var {
  return c.arch === 'llama' && !c.tiedEmbeddings
    ? params.get('output.weight')
    : params.get('token_embd.weight');
}

/** Adds `score.weight` [1, D] (normal, std 0.02 like HF's initializer_range) unless given. */
export function addScoreHead(params: ParamStore, c: NetConfig, rng: Rng, init?: Float32Array): Var {
  const w = init ?? Float32Array.from({ length: c.dim }, () => rng.normal() * 0.02);
  return params.add({ name: SCORE_HEAD, shape: [1, c.dim], decay: false }, w);
}

/** Adds the value head `v_head.weight` [1, D] and `v_head.bias` [1]. */
export function addValueHead(params: ParamStore, c: NetConfig, rng: Rng): void {
  const w = Float32Array.from({ length: c.dim }, () => rng.normal() * 0.02);
  params.add({ name: VALUE_HEAD, shape: [1, c.dim], decay: false }, w);
  params.add({ name: VALUE_BIAS, shape: [1], decay: false }, new Float32Array(1));
}

/** Scores [N, 1] of hidden rows [N, D] through the reward head. */
export function scoreHeadOf(g: Graph, params: ParamStore, hidden: Var): Var {
  return linear(g, hidden, params.get(SCORE_HEAD));
}

/** Values [N, 1] of hidden rows [N, D] through the value head. */
export function valueHeadOf(g: Graph, params: ParamStore, hidden: Var): Var {
  return linear(g, hidden, params.get(VALUE_HEAD), params.get(VALUE_BIAS));
}
