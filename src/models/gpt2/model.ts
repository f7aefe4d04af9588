// The GPT-2 forward: x = wte[ids] + wpe[pos]; per layer
//   h = layernorm(x); x += Wo·attn(split(Wqkv h + b)) + bo
//   h = layernorm(x); x += Wdown·gelu(Wup h + bup) + bdown
// then layernorm and the LM head. The fused qkv weight is split into three Linear at load.
import type { Backend } from '../../backend/backend.js';
import { Attention } from '../../nn/attention.js';
import { PreNormBlock } from '../../nn/block.js';
import { Embedding } from '../../nn/embedding.js';
import { Linear } from '../../nn/linear.js';
import { GeluMlp } from '../../nn/mlp.js';
import { LayerNorm } from '../../nn/norm.js';
import type { Tokenizer } from '../../tokenizers/tokenizer.js';
import type { ModelConfig } from '../common/config.js';
import { DecoderLM } from '../common/decoder-lm.js';
import { sliceRows, type WeightLoader } from '../common/weights.js';

export function buildGpt2(
  backend: Backend,
  w: WeightLoader,
  c: ModelConfig,
  tokenizer?: Tokenizer,
): DecoderLM {
  try {
    const d = c.dim;
    const eps = c.normEps;
    const ln = (name: string) =>
      new LayerNorm(backend, w.vector(`${name}.weight`, d), w.vector(`${name}.bias`, d), d, eps);
    const tokenEmbd = new Embedding(backend, w.matrix('token_embd.weight', c.vocabSize, d));
    const positionEmbd = new Embedding(backend, w.matrix('position_embd.weight', c.contextLength, d));
    const shape = { nHead: c.nHead, nKvHead: c.nHead, headDim: c.headDim, rope: null };
    const blocks: PreNormBlock[] = [];
    for (let l = 0; l < c.nLayer; l++) {
      const p = `blk.${l}.`;
      const qkv = w.rawMatrix(`${p}attn_qkv.weight`, 3 * d, d); // [3D, D]: q, k, v rows
      const qkvBias = w.vectorF32(`${p}attn_qkv.bias`, 3 * d);
      const part = (i: number) =>
        new Linear(
          backend,
          w.upload(sliceRows(qkv, i * d, d), `${p}attn_qkv.weight`),
          w.f32Buffer(qkvBias.subarray(i * d, (i + 1) * d)),
        );
      const o = new Linear(
        backend,
        w.matrix(`${p}attn_output.weight`, d, d),
        w.vector(`${p}attn_output.bias`, d),
      );
      blocks.push(
        new PreNormBlock(
          ln(`${p}attn_norm`),
          new Attention(backend, shape, part(0), part(1), part(2), o),
          ln(`${p}ffn_norm`),
          new GeluMlp(
            new Linear(
              backend,
              w.matrix(`${p}ffn_up.weight`, c.ffnDim, d),
              w.vector(`${p}ffn_up.bias`, c.ffnDim),
            ),
            new Linear(
              backend,
              w.matrix(`${p}ffn_down.weight`, d, c.ffnDim),
              w.vector(`${p}ffn_down.bias`, d),
            ),
            c.gelu ?? 'tanh',
          ),
        ),
      );
    }
    const outputNorm = ln('output_norm');
    const output =
      c.tiedEmbeddings || !w.has('output.weight')
        ? new Linear(backend, tokenEmbd.weight)
        : new Linear(backend, w.matrix('output.weight', c.vocabSize, d));
    const parts = {
      token_embd: tokenEmbd,
      position_embd: positionEmbd,
      blocks,
      output_norm: outputNorm,
      output,
    };
    return new DecoderLM(backend, c, parts, w.params, tokenizer);
  } catch (e) {
    w.abort();
    throw e;
  }
}
