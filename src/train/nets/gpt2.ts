// A trainable GPT-2-architecture transformer built from autograd ops (learned positions,
// pre-norm LayerNorm with biases, GELU MLP, tied output head). Parameter names are GGUF tensor
// names except that q, k, v are kept apart (`attn_q/k/v`) and fused into `attn_qkv` on export.
import {
  add,
  addPositions,
  attentionParams,
  causalAttention,
  crossEntropy,
  embedding,
  type Graph,
  gelu,
  type LossResult,
  layernorm,
  linear,
  type ParamStore,
  type Var,
} from '../../autograd/index.js';
import { ConfigError } from '../../errors.js';
import type { Rng } from '../rng.js';
import { type Adapters, project } from './lora.js';

export interface Gpt2TrainConfig {
  arch: 'gpt2';
  vocabSize: number;
  dim: number;
  nLayer: number;
  nHead: number;
  ffnDim: number;
  contextLength: number;
  normEps: number;
  /** Trainable biases in Linear and LayerNorm (default true). With false the biases stay zero
   *  and frozen — nanoGPT's `bias=False` — and are still written out, as llama.cpp's gpt2 needs. */
  bias?: boolean;
  /** Standard deviation of the position embeddings' initial values (default 0.01, llm.c's;
   *  nanoGPT uses 0.02). */
  posEmbStd?: number;
  /** GELU's form in the MLP: 'tanh' (default; GPT-2's gelu_new, llama.cpp's) or 'erf' (exact, as
   *  nanoGPT's nn.GELU()). 'erf' nets export to Hugging Face only: GGUF's gpt2 has no such form. */
  gelu?: 'tanh' | 'erf';
}

export function validateGpt2Config(c: Gpt2TrainConfig): void {
  for (const name of ['vocabSize', 'dim', 'nLayer', 'nHead', 'ffnDim', 'contextLength'] as const) {
    const v = c[name];
    if (!Number.isInteger(v) || v <= 0 || v > 1_000_000) {
      throw new ConfigError(`gpt2 config: ${name} must be a positive integer, got ${v}`, { field: name });
    }
  }
  if (c.dim % c.nHead !== 0)
    throw new ConfigError('gpt2 config: dim must be divisible by nHead', { field: 'nHead' });
  if (c.gelu !== undefined && c.gelu !== 'tanh' && c.gelu !== 'erf')
    throw new ConfigError(`gpt2 config: gelu must be 'tanh' or 'erf', got ${JSON.stringify(c.gelu)}`, {
      field: 'gelu',
    });
  const s = c.posEmbStd;
  if (s !== undefined && !(typeof s === 'number' && Number.isFinite(s) && s > 0 && s <= 1))
    throw new ConfigError(`gpt2 config: posEmbStd must be a number in (0, 1], got ${String(s)}`, {
      field: 'posEmbStd',
    });
}

export function initGpt2Params(params: ParamStore, c: Gpt2TrainConfig, rng: Rng): void {
  validateGpt2Config(c);
  const normal = (n: number, std: number) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = rng.normal() * std;
    return a;
  };
  const ones = (n: number) => new Float32Array(n).fill(1);
  const zeros = (n: number) => new Float32Array(n);
  const frozen = c.bias === false;
  const D = c.dim;
  const residualStd = 0.02 / Math.sqrt(2 * c.nLayer);
  params.add(
    { name: 'token_embd.weight', shape: [c.vocabSize, D], decay: false },
    normal(c.vocabSize * D, 0.02),
  );
  params.add(
    { name: 'position_embd.weight', shape: [c.contextLength, D], decay: false },
    normal(c.contextLength * D, c.posEmbStd ?? 0.01), // default: llm.c's choice (nanoGPT: 0.02)
  );
  for (let l = 0; l < c.nLayer; l++) {
    const p = `blk.${l}.`;
    const lin = (name: string, out: number, inp: number, std: number) => {
      params.add({ name: `${p}${name}.weight`, shape: [out, inp], decay: true }, normal(out * inp, std));
      params.add({ name: `${p}${name}.bias`, shape: [out], decay: false, frozen }, zeros(out));
    };
    params.add({ name: `${p}attn_norm.weight`, shape: [D], decay: false }, ones(D));
    params.add({ name: `${p}attn_norm.bias`, shape: [D], decay: false, frozen }, zeros(D));
    lin('attn_q', D, D, 0.02);
    lin('attn_k', D, D, 0.02);
    lin('attn_v', D, D, 0.02);
    lin('attn_output', D, D, residualStd);
    params.add({ name: `${p}ffn_norm.weight`, shape: [D], decay: false }, ones(D));
    params.add({ name: `${p}ffn_norm.bias`, shape: [D], decay: false, frozen }, zeros(D));
    lin('ffn_up', c.ffnDim, D, 0.02);
    lin('ffn_down', D, c.ffnDim, residualStd);
  }
  params.add({ name: 'output_norm.weight', shape: [D], decay: false }, ones(D));
  params.add({ name: 'output_norm.bias', shape: [D], decay: false, frozen }, zeros(D));
}

/** Forward pass to the final-norm hidden states [B·T, D]. */
export function gpt2Hidden(
  g: Graph,
  params: ParamStore,
  c: Gpt2TrainConfig,
  inputs: Int32Array,
  batch: number,
  t: number,
  adapters?: Adapters,
): Var {
  const hd = c.dim / c.nHead;
  const attn = attentionParams(batch, t, c.nHead, c.nHead, hd);
  const w = (n: string) => params.get(n);
  let x = embedding(g, w('token_embd.weight'), inputs, [batch * t]); // [B·T, D]
  x = addPositions(g, x, w('position_embd.weight'), batch, t);
  for (let l = 0; l < c.nLayer; l++) {
    const p = `blk.${l}.`;
    const lin = (inp: Var, name: string) =>
      project(g, params, adapters, inp, `${p}${name}.weight`, `${p}${name}.bias`);
    let h = layernorm(g, x, w(`${p}attn_norm.weight`), w(`${p}attn_norm.bias`), c.normEps);
    const a = causalAttention(g, lin(h, 'attn_q'), lin(h, 'attn_k'), lin(h, 'attn_v'), attn);
    x = add(g, x, lin(a, 'attn_output'));
    h = layernorm(g, x, w(`${p}ffn_norm.weight`), w(`${p}ffn_norm.bias`), c.normEps);
    x = add(g, x, lin(gelu(g, lin(h, 'ffn_up'), c.gelu ?? 'tanh'), 'ffn_down'));
  }
  return layernorm(g, x, w('output_norm.weight'), w('output_norm.bias'), c.normEps); // [B·T, D]
}

/** Forward pass to logits [B·T, V]. */
export function gpt2Logits(
  g: Graph,
  params: ParamStore,
  c: Gpt2TrainConfig,
  inputs: Int32Array,
  batch: number,
  t: number,
  adapters?: Adapters,
): Var {
  const x = gpt2Hidden(g, params, c, inputs, batch, t, adapters);
  return linear(g, x, params.get('token_embd.weight')); // [B·T, V], tied head
}

export function gpt2Loss(
  g: Graph,
  params: ParamStore,
  c: Gpt2TrainConfig,
  inputs: Int32Array,
  targets: Int32Array,
  batch: number,
  t: number,
  adapters?: Adapters,
): LossResult {
  return crossEntropy(g, gpt2Logits(g, params, c, inputs, batch, t, adapters), targets);
}
