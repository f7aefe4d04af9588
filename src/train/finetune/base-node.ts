// Loads a base model (GGUF, HF safetensors directory or llama2.c .bin) as f32 training
// parameters in GGUF naming, for fine-tuning. Quantized tensors are dequantized. LLaMA-family
// checkpoints without q/k/v biases map onto the llama net; GPT-2's fused attn_qkv is split.
import { ConfigError, UnsupportedError } from '../../errors.js';
import { TensorReader } from '../../models/common/weights.js';
import { nodeFs } from '../../models/fs-node.js';
import { openCheckpoint } from '../../models/loader.js';
import { findTokenizer, tokenizerFromGgufMeta } from '../../models/tokenizer-attach.js';
import { dequantizeRow } from '../../quant/index.js';
import type { Tokenizer } from '../../tokenizers/tokenizer.js';
import type { NetConfig } from '../nets/index.js';

export interface BaseModel {
  net: NetConfig;
  /** GGUF-named f32 tensors in the trainable net's layout. */
  tensors: Map<string, Float32Array>;
  tokenizer: Tokenizer | undefined;
  path: string;
}

export function loadBaseModel(path: string): BaseModel {
  const oc = openCheckpoint(nodeFs, path);
  try {
    const c = oc.config;
    let net: NetConfig;
    if (c.arch === 'llama' || c.arch === 'qwen2' || c.arch === 'qwen3') {
      if (c.qkvBias || c.arch === 'qwen3') {
        throw new UnsupportedError(
          `fine-tuning ${c.arch} models (q/k/v biases or q/k norms) is not supported yet`,
        );
      }
      if (c.rope === null) throw new ConfigError(`${path}: a llama model needs rotary embeddings`);
      const rope = c.rope;
      if (rope.neox)
        throw new UnsupportedError(`${path}: NeoX-style rope is not supported by the trainable llama yet`);
      if (rope.freqFactors !== undefined || rope.freqScale !== 1 || rope.dim !== c.headDim) {
        throw new UnsupportedError(
          `${path}: rope scaling or partial rotary dims are not supported by the trainable llama yet`,
        );
      }
      net = {
        arch: 'llama',
        vocabSize: c.vocabSize,
        dim: c.dim,
        nLayer: c.nLayer,
        nHead: c.nHead,
        nKvHead: c.nKvHead,
        ffnDim: c.ffnDim,
        contextLength: c.contextLength,
        ropeTheta: rope.theta,
        normEps: c.normEps,
        tiedEmbeddings: c.tiedEmbeddings,
      };
    } else if (c.arch === 'gpt2') {
      net = {
        arch: 'gpt2',
        vocabSize: c.vocabSize,
        dim: c.dim,
        nLayer: c.nLayer,
        nHead: c.nHead,
        ffnDim: c.ffnDim,
        contextLength: c.contextLength,
        normEps: c.normEps,
        ...(c.gelu === 'erf' ? { gelu: 'erf' as const } : {}),
      };
    } else {
      throw new UnsupportedError(`fine-tuning ${c.arch} models is not supported`);
    }
    if (net.arch === 'llama' && c.headDim * c.nHead !== c.dim) {
      throw new UnsupportedError(
        `${path}: head_dim · n_head ≠ hidden size is not supported by the trainable llama`,
      );
    }
    const reader = new TensorReader(oc.ckpt, oc.names);
    const matrix = (name: string, rows: number, cols: number): Float32Array => {
      const m = reader.rawMatrix(name, rows, cols);
      const out = new Float32Array(rows * cols);
      const rb = m.bytes.length / rows;
      for (let r = 0; r < rows; r++) dequantizeRow(m.type, m.bytes, r * rb, out, r * cols, cols);
      return out;
    };
    const vector = (name: string, n: number) => reader.vectorF32(name, n);
    const t = new Map<string, Float32Array>();
    const D = net.dim;
    t.set('token_embd.weight', matrix('token_embd.weight', net.vocabSize, D));
    for (let l = 0; l < net.nLayer; l++) {
      const p = `blk.${l}.`;
      if (net.arch === 'llama') {
        const kv = net.nKvHead * (D / net.nHead);
        t.set(`${p}attn_norm.weight`, vector(`${p}attn_norm.weight`, D));
        t.set(`${p}attn_q.weight`, matrix(`${p}attn_q.weight`, D, D));
        t.set(`${p}attn_k.weight`, matrix(`${p}attn_k.weight`, kv, D));
        t.set(`${p}attn_v.weight`, matrix(`${p}attn_v.weight`, kv, D));
        t.set(`${p}attn_output.weight`, matrix(`${p}attn_output.weight`, D, D));
        t.set(`${p}ffn_norm.weight`, vector(`${p}ffn_norm.weight`, D));
        t.set(`${p}ffn_gate.weight`, matrix(`${p}ffn_gate.weight`, net.ffnDim, D));
        t.set(`${p}ffn_up.weight`, matrix(`${p}ffn_up.weight`, net.ffnDim, D));
        t.set(`${p}ffn_down.weight`, matrix(`${p}ffn_down.weight`, D, net.ffnDim));
      } else {
        t.set(`${p}attn_norm.weight`, vector(`${p}attn_norm.weight`, D));
        t.set(`${p}attn_norm.bias`, vector(`${p}attn_norm.bias`, D));
        const qkv = matrix(`${p}attn_qkv.weight`, 3 * D, D);
        const qkvb = vector(`${p}attn_qkv.bias`, 3 * D);
        ['q', 'k', 'v'].forEach((x, i) => {
          t.set(`${p}attn_${x}.weight`, qkv.slice(i * D * D, (i + 1) * D * D));
          t.set(`${p}attn_${x}.bias`, qkvb.slice(i * D, (i + 1) * D));
        });
        t.set(`${p}attn_output.weight`, matrix(`${p}attn_output.weight`, D, D));
        t.set(`${p}attn_output.bias`, vector(`${p}attn_output.bias`, D));
        t.set(`${p}ffn_norm.weight`, vector(`${p}ffn_norm.weight`, D));
        t.set(`${p}ffn_norm.bias`, vector(`${p}ffn_norm.bias`, D));
        t.set(`${p}ffn_up.weight`, matrix(`${p}ffn_up.weight`, net.ffnDim, D));
        t.set(`${p}ffn_up.bias`, vector(`${p}ffn_up.bias`, net.ffnDim));
        t.set(`${p}ffn_down.weight`, matrix(`${p}ffn_down.weight`, D, net.ffnDim));
        t.set(`${p}ffn_down.bias`, vector(`${p}ffn_down.bias`, D));
      }
    }
    t.set('output_norm.weight', vector('output_norm.weight', D));
    if (net.arch === 'gpt2') {
      t.set('output_norm.bias', vector('output_norm.bias', D));
      t.set('position_embd.weight', matrix('position_embd.weight', net.contextLength, D));
    } else if (!net.tiedEmbeddings) {
      t.set('output.weight', matrix('output.weight', net.vocabSize, D));
    }
    let tokenizer: Tokenizer | undefined;
    try {
      tokenizer =
        oc.gguf !== undefined ? tokenizerFromGgufMeta(oc.gguf) : findTokenizer(nodeFs, oc, undefined);
    } catch {
      tokenizer = undefined;
    }
    return { net, tensors: t, tokenizer, path };
  } finally {
    oc.close();
  }
}
