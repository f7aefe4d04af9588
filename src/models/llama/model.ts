// The LLaMA-style forward (also used by qwen2 and qwen3): token embedding, then per layer
//   h = rmsnorm(x)·g1; x += Wo·attn(rope(Wq h (+bq)), rope(Wk h (+bk)), Wv h (+bv))
//   h = rmsnorm(x)·g2; x += Wdown (silu(Wgate h) ⊙ Wup h)
// then rmsnorm and the LM head (the embedding when tied).
import type { Backend } from '../../backend/backend.js';
import { Attention } from '../../nn/attention.js';
import { PreNormBlock } from '../../nn/block.js';
import { Embedding } from '../../nn/embedding.js';
import { Linear } from '../../nn/linear.js';
import { SwiGLU } from '../../nn/mlp.js';
import { RMSNorm } from '../../nn/norm.js';
import type { Tokenizer } from '../../tokenizers/tokenizer.js';
import type { ModelConfig } from '../common/config.js';
import { DecoderLM } from '../common/decoder-lm.js';
import type { WeightLoader } from '../common/weights.js';

export interface LlamaLikeOptions {
  /** q_norm / k_norm per head are required (Qwen3). */
  qkNorm: boolean;
}

export function buildLlamaLike(
  backend: Backend,
  w: WeightLoader,
  c: ModelConfig,
  opts: LlamaLikeOptions,
  tokenizer?: Tokenizer,
): DecoderLM {
  try {
    const d = c.dim;
    const hd = c.headDim;
    const qDim = c.nHead * hd;
    const kvDim = c.nKvHead * hd;
    const eps = c.normEps;
    let rope = c.rope;
    if (rope !== null && w.has('rope_freqs.weight')) {
      // Llama-3 GGUF files store the rope frequency divisors as a tensor.
      rope = { ...rope, freqFactors: w.vectorF32('rope_freqs.weight', rope.dim / 2) };
    }
    const shape = { nHead: c.nHead, nKvHead: c.nKvHead, headDim: hd, rope, window: c.window };
    const tokenEmbd = new Embedding(backend, w.matrix('token_embd.weight', c.vocabSize, d));
    const blocks: PreNormBlock[] = [];
    for (let l = 0; l < c.nLayer; l++) {
      const p = `blk.${l}.`;
      const bias = (name: string, n: number) =>
        c.qkvBias ? w.vector(`${p}${name}`, n) : w.optionalVector(`${p}${name}`, n);
      const q = new Linear(backend, w.matrix(`${p}attn_q.weight`, qDim, d), bias('attn_q.bias', qDim));
      const k = new Linear(backend, w.matrix(`${p}attn_k.weight`, kvDim, d), bias('attn_k.bias', kvDim));
      const v = new Linear(backend, w.matrix(`${p}attn_v.weight`, kvDim, d), bias('attn_v.bias', kvDim));
      const o = new Linear(
        backend,
        w.matrix(`${p}attn_output.weight`, d, qDim),
        w.optionalVector(`${p}attn_output.bias`, d),
      );
      const qn = opts.qkNorm ? new RMSNorm(backend, w.vector(`${p}attn_q_norm.weight`, hd), hd, eps) : null;
      const kn = opts.qkNorm ? new RMSNorm(backend, w.vector(`${p}attn_k_norm.weight`, hd), hd, eps) : null;
      blocks.push(
        new PreNormBlock(
          new RMSNorm(backend, w.vector(`${p}attn_norm.weight`, d), d, eps),
          new Attention(backend, shape, q, k, v, o, qn, kn),
          new RMSNorm(backend, w.vector(`${p}ffn_norm.weight`, d), d, eps),
          new SwiGLU(
            new Linear(backend, w.matrix(`${p}ffn_gate.weight`, c.ffnDim, d)),
            new Linear(backend, w.matrix(`${p}ffn_up.weight`, c.ffnDim, d)),
            new Linear(backend, w.matrix(`${p}ffn_down.weight`, d, c.ffnDim)),
          ),
        ),
      );
    }
    const outputNorm = new RMSNorm(backend, w.vector('output_norm.weight', d), d, eps);
    const output = c.tiedEmbeddings
      ? new Linear(backend, tokenEmbd.weight)
      : new Linear(backend, w.matrix('output.weight', c.vocabSize, d));
    const parts = { token_embd: tokenEmbd, position_embd: null, blocks, output_norm: outputNorm, output };
    return new DecoderLM(backend, c, parts, w.params, tokenizer);
  } catch (e) {
    w.abort();
    throw e;
  }
}
