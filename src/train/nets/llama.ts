// A trainable LLaMA-architecture transformer built from autograd ops (pre-norm RMSNorm, RoPE in
// GGUF/llama.cpp's adjacent-pair layout, grouped-query attention, SwiGLU MLP, optional tied head).
// Parameter names are GGUF tensor names, so a trained model is written to GGUF as it is and the
// inference loader reads it back with the same numbers.
import {
  add,
  attentionParams,
  causalAttention,
  crossEntropy,
  embedding,
  type Graph,
  type LossResult,
  linear,
  type ParamStore,
  rmsnorm,
  rope,
  swiglu,
  type Var,
} from '../../autograd/index.js';
import { ConfigError } from '../../errors.js';
import type { Rng } from '../rng.js';
import { type Adapters, project } from './lora.js';

export interface LlamaTrainConfig {
  arch: 'llama';
  vocabSize: number;
  dim: number;
  nLayer: number;
  nHead: number;
  nKvHead: number;
  ffnDim: number;
  contextLength: number;
  ropeTheta: number;
  normEps: number;
  tiedEmbeddings: boolean;
}

export function validateLlamaConfig(c: LlamaTrainConfig): void {
  const pos = (name: keyof LlamaTrainConfig, v: number) => {
    if (!Number.isInteger(v) || v <= 0 || v > 1_000_000) {
      throw new ConfigError(`llama config: ${name} must be a positive integer, got ${v}`, { field: name });
    }
  };
  pos('vocabSize', c.vocabSize);
  pos('dim', c.dim);
  pos('nLayer', c.nLayer);
  pos('nHead', c.nHead);
  pos('nKvHead', c.nKvHead);
  pos('ffnDim', c.ffnDim);
  pos('contextLength', c.contextLength);
  if (c.dim % c.nHead !== 0)
    throw new ConfigError('llama config: dim must be divisible by nHead', { field: 'nHead' });
  if (c.nHead % c.nKvHead !== 0) {
    throw new ConfigError('llama config: nHead must be divisible by nKvHead', { field: 'nKvHead' });
  }
  if ((c.dim / c.nHead) % 2 !== 0)
    throw new ConfigError('llama config: head dim must be even', { field: 'nHead' });
}

/** Creates the parameters with GPT-2/nanoGPT-style initialisation from `rng`. */
export function initLlamaParams(params: ParamStore, c: LlamaTrainConfig, rng: Rng): void {
  validateLlamaConfig(c);
  const hd = c.dim / c.nHead;
  const kvDim = c.nKvHead * hd;
  const normal = (n: number, std: number) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = rng.normal() * std;
    return a;
  };
  const ones = (n: number) => new Float32Array(n).fill(1);
  const residualStd = 0.02 / Math.sqrt(2 * c.nLayer);
  params.add(
    { name: 'token_embd.weight', shape: [c.vocabSize, c.dim], decay: false },
    normal(c.vocabSize * c.dim, 0.02),
  );
  for (let l = 0; l < c.nLayer; l++) {
    const p = `blk.${l}.`;
    params.add({ name: `${p}attn_norm.weight`, shape: [c.dim], decay: false }, ones(c.dim));
    params.add(
      { name: `${p}attn_q.weight`, shape: [c.dim, c.dim], decay: true },
      normal(c.dim * c.dim, 0.02),
    );
    params.add(
      { name: `${p}attn_k.weight`, shape: [kvDim, c.dim], decay: true },
      normal(kvDim * c.dim, 0.02),
    );
    params.add(
      { name: `${p}attn_v.weight`, shape: [kvDim, c.dim], decay: true },
      normal(kvDim * c.dim, 0.02),
    );
    params.add(
      { name: `${p}attn_output.weight`, shape: [c.dim, c.dim], decay: true },
      normal(c.dim * c.dim, residualStd),
    );
    params.add({ name: `${p}ffn_norm.weight`, shape: [c.dim], decay: false }, ones(c.dim));
    params.add(
      { name: `${p}ffn_gate.weight`, shape: [c.ffnDim, c.dim], decay: true },
      normal(c.ffnDim * c.dim, 0.02),
    );
    params.add(
      { name: `${p}ffn_up.weight`, shape: [c.ffnDim, c.dim], decay: true },
      normal(c.ffnDim * c.dim, 0.02),
    );
    params.add(
      { name: `${p}ffn_down.weight`, shape: [c.dim, c.ffnDim], decay: true },
      normal(c.dim * c.ffnDim, residualStd),
    );
  }
  params.add({ name: 'output_norm.weight', shape: [c.dim], decay: false }, ones(c.dim));
  if (!c.tiedEmbeddings) {
    params.add(
      { name: 'output.weight', shape: [c.vocabSize, c.dim], decay: true },
      normal(c.vocabSize * c.dim, 0.02),
    );
  }
}

/** Positions 0..t−1 repeated for each of `batch` sequences. */
export function blockPositions(batch: number, t: number): Int32Array {
  const pos = new Int32Array(batch * t);
  for (let b = 0; b < batch; b++) for (let i = 0; i < t; i++) pos[b * t + i] = i;
  return pos;
}

/** Forward pass to the final-norm hidden states [B·T, D]. */
export function llamaHidden(
  g: Graph,
  params: ParamStore,
  c: LlamaTrainConfig,
  inputs: Int32Array,
  batch: number,
  t: number,
  adapters?: Adapters,
): Var {
  const hd = c.dim / c.nHead;
  const positions = blockPositions(batch, t);
  const attn = attentionParams(batch, t, c.nHead, c.nKvHead, hd);
  let x = embedding(g, params.get('token_embd.weight'), inputs, [batch * t]); // [B·T, D]
  for (let l = 0; l < c.nLayer; l++) {
    const p = (n: string) => params.get(`blk.${l}.${n}.weight`);
    const proj = (inp: Var, n: string) => project(g, params, adapters, inp, `blk.${l}.${n}.weight`);
    let h = rmsnorm(g, x, p('attn_norm'), c.normEps);
    let q = proj(h, 'attn_q'); // [B·T, H·hd]
    let k = proj(h, 'attn_k'); // [B·T, Hkv·hd]
    const v = proj(h, 'attn_v');
    q = rope(g, q, { heads: c.nHead, headDim: hd, theta: c.ropeTheta, neox: false, positions });
    k = rope(g, k, { heads: c.nKvHead, headDim: hd, theta: c.ropeTheta, neox: false, positions });
    const a = causalAttention(g, q, k, v, attn); // [B·T, H·hd]
    x = add(g, x, proj(a, 'attn_output'));
    h = rmsnorm(g, x, p('ffn_norm'), c.normEps);
    const m = swiglu(g, proj(h, 'ffn_gate'), proj(h, 'ffn_up')); // [B·T, F]
    x = add(g, x, proj(m, 'ffn_down'));
  }
  return rmsnorm(g, x, params.get('output_norm.weight'), c.normEps); // [B·T, D]
}

/** Forward pass to logits [B·T, V]. */
export function llamaLogits(
  g: Graph,
  params: ParamStore,
  c: LlamaTrainConfig,
  inputs: Int32Array,
  batch: number,
  t: number,
  adapters?: Adapters,
): Var {
  const x = llamaHidden(g, params, c, inputs, batch, t, adapters);
  const head = c.tiedEmbeddings ? params.get('token_embd.weight') : params.get('output.weight');
  return linear(g, x, head); // [B·T, V]
}

/** Mean next-token cross-entropy of a batch. */
export function llamaLoss(
  g: Graph,
  params: ParamStore,
  c: LlamaTrainConfig,
  inputs: Int32Array,
  targets: Int32Array,
  batch: number,
  t: number,
  adapters?: Adapters,
): LossResult {
  return crossEntropy(g, llamaLogits(g, params, c, inputs, batch, t, adapters), targets);
}
