// Exports trained parameters as GGUF (llama.cpp / ollama / llmts) and as Hugging Face
// safetensors + config.json (transformers, vLLM ...). Parameter names are GGUF names already;
// GPT-2's separate q/k/v are fused into attn_qkv, and its tied head is written out as
// output.weight because llama.cpp's gpt2 loader requires it.

import { UnsupportedError } from '../errors.js';
import { type GgufKv, GgufValueType, type GgufWriteSpec, type GgufWriteTensor } from '../io/gguf/index.js';
import type { SafetensorsWriteTensor } from '../io/safetensors/index.js';
import { GgmlType } from '../tensor/dtype.js';
import type { NetConfig } from './nets/index.js';

export type TensorMap = ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>;

function u32(value: number): GgufKv {
  return { type: GgufValueType.UINT32, value };
}
function f32(value: number): GgufKv {
  return { type: GgufValueType.FLOAT32, value };
}
function str(value: string): GgufKv {
  return { type: GgufValueType.STRING, value };
}

function bytesOf(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function concatRows(parts: Float32Array[]): Float32Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Float32Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The exported tensor set in GGUF naming (row-major shapes [rows, cols]). */
export function exportTensors(
  c: NetConfig,
  params: TensorMap,
): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  const get = (n: string) => {
    const t = params.get(n);
    if (t === undefined) throw new Error(`export: missing parameter ${n}`);
    return t;
  };
  for (const [name, t] of params) {
    if (c.arch === 'gpt2' && /\.attn_[qkv]\./.test(name)) continue;
    out.set(name, { shape: [...t.shape], data: t.data });
  }
  if (c.arch === 'gpt2') {
    for (let l = 0; l < c.nLayer; l++) {
      for (const kind of ['weight', 'bias']) {
        const [q, k, v] = ['q', 'k', 'v'].map((x) => get(`blk.${l}.attn_${x}.${kind}`));
        const shape = kind === 'weight' ? [3 * c.dim, c.dim] : [3 * c.dim];
        out.set(`blk.${l}.attn_qkv.${kind}`, { shape, data: concatRows([q!.data, k!.data, v!.data]) });
      }
    }
    const emb = get('token_embd.weight');
    out.set('output.weight', { shape: [...emb.shape], data: emb.data });
  }
  return out;
}

export function ggufArchEntries(c: NetConfig, name: string): [string, GgufKv][] {
  const a = c.arch;
  const common: [string, GgufKv][] = [
    ['general.architecture', str(a)],
    ['general.name', str(name)],
    ['general.file_type', u32(0)],
    [`${a}.context_length`, u32(c.contextLength)],
    [`${a}.embedding_length`, u32(c.dim)],
    [`${a}.block_count`, u32(c.nLayer)],
    [`${a}.feed_forward_length`, u32(c.ffnDim)],
    [`${a}.attention.head_count`, u32(c.nHead)],
  ];
  if (c.arch === 'llama') {
    common.push(
      ['llama.attention.head_count_kv', u32(c.nKvHead)],
      ['llama.rope.dimension_count', u32(c.dim / c.nHead)],
      ['llama.rope.freq_base', f32(c.ropeTheta)],
      ['llama.attention.layer_norm_rms_epsilon', f32(c.normEps)],
      ['llama.vocab_size', u32(c.vocabSize)],
    );
  } else {
    common.push(['gpt2.attention.layer_norm_epsilon', f32(c.normEps)]);
  }
  return common;
}

/**
 * Why a net cannot be written as GGUF, or null when it can: GGUF's gpt2 architecture has only
 * the tanh GELU (llama.cpp's), so an exact-GELU net would compute something else there.
 */
export function ggufUnsupported(c: NetConfig): string | null {
  if (c.arch === 'gpt2' && c.gelu === 'erf') {
    return "GGUF's gpt2 architecture computes GELU in its tanh form (llama.cpp), and this net uses the exact form (net.gelu 'erf')";
  }
  return null;
}

/** A GGUF file spec (all tensors F32) for a trained model with its tokenizer metadata. */
export function trainedGguf(
  c: NetConfig,
  params: TensorMap,
  tokenizer: readonly [string, GgufKv][],
  name: string,
): GgufWriteSpec {
  const why = ggufUnsupported(c);
  if (why !== null) throw new UnsupportedError(`GGUF export: ${why}`, { field: 'net.gelu' });
  const tensors: GgufWriteTensor[] = [];
  for (const [tname, t] of exportTensors(c, params)) {
    tensors.push({ name: tname, type: GgmlType.F32, shape: [...t.shape].reverse(), data: bytesOf(t.data) });
  }
  return { metadata: [...ggufArchEntries(c, name), ...tokenizer], tensors };
}

/** Inverse of llama.cpp's Q/K row permutation: GGUF (adjacent-pair rope) → HF (rotate-half). */
export function unpermuteQk(w: Float32Array, rows: number, cols: number, nHead: number): Float32Array {
  const hd = rows / nHead;
  const out = new Float32Array(w.length);
  for (let h = 0; h < nHead; h++) {
    for (let i = 0; i < hd / 2; i++) {
      for (let j = 0; j < 2; j++) {
        // GGUF row h·hd + 2i + j  ←  HF row h·hd + j·hd/2 + i
        const src = (h * hd + 2 * i + j) * cols;
        const dst = (h * hd + j * (hd / 2) + i) * cols;
        out.set(w.subarray(src, src + cols), dst);
      }
    }
  }
  return out;
}

/** HF safetensors tensors + config.json for a trained model. */
export function trainedHf(
  c: NetConfig,
  params: TensorMap,
): { tensors: SafetensorsWriteTensor[]; config: Record<string, unknown> } {
  const tensors: SafetensorsWriteTensor[] = [];
  const put = (name: string, shape: readonly number[], data: Float32Array) =>
    tensors.push({ name, dtype: 'F32', shape, data: bytesOf(data) });
  const p = (n: string) => params.get(n)!;
  if (c.arch === 'llama') {
    const hd = c.dim / c.nHead;
    put('model.embed_tokens.weight', p('token_embd.weight').shape, p('token_embd.weight').data);
    for (let l = 0; l < c.nLayer; l++) {
      const g = (n: string) => p(`blk.${l}.${n}.weight`);
      const h = `model.layers.${l}.`;
      put(`${h}input_layernorm.weight`, [c.dim], g('attn_norm').data);
      put(
        `${h}self_attn.q_proj.weight`,
        [c.dim, c.dim],
        unpermuteQk(g('attn_q').data, c.dim, c.dim, c.nHead),
      );
      put(
        `${h}self_attn.k_proj.weight`,
        [c.nKvHead * hd, c.dim],
        unpermuteQk(g('attn_k').data, c.nKvHead * hd, c.dim, c.nKvHead),
      );
      put(`${h}self_attn.v_proj.weight`, [c.nKvHead * hd, c.dim], g('attn_v').data);
      put(`${h}self_attn.o_proj.weight`, [c.dim, c.dim], g('attn_output').data);
      put(`${h}post_attention_layernorm.weight`, [c.dim], g('ffn_norm').data);
      put(`${h}mlp.gate_proj.weight`, [c.ffnDim, c.dim], g('ffn_gate').data);
      put(`${h}mlp.up_proj.weight`, [c.ffnDim, c.dim], g('ffn_up').data);
      put(`${h}mlp.down_proj.weight`, [c.dim, c.ffnDim], g('ffn_down').data);
    }
    put('model.norm.weight', [c.dim], p('output_norm.weight').data);
    if (!c.tiedEmbeddings) put('lm_head.weight', [c.vocabSize, c.dim], p('output.weight').data);
    const config = {
      architectures: ['LlamaForCausalLM'],
      model_type: 'llama',
      vocab_size: c.vocabSize,
      hidden_size: c.dim,
      intermediate_size: c.ffnDim,
      num_hidden_layers: c.nLayer,
      num_attention_heads: c.nHead,
      num_key_value_heads: c.nKvHead,
      head_dim: hd,
      max_position_embeddings: c.contextLength,
      rms_norm_eps: c.normEps,
      rope_theta: c.ropeTheta,
      tie_word_embeddings: c.tiedEmbeddings,
      hidden_act: 'silu',
      torch_dtype: 'float32',
    };
    return { tensors, config };
  }
  // GPT-2: Conv1D weights are [in, out] (the transpose of ours).
  const transpose = (w: Float32Array, rows: number, cols: number) => {
    const out = new Float32Array(w.length);
    for (let r = 0; r < rows; r++)
      for (let col = 0; col < cols; col++) out[col * rows + r] = w[r * cols + col]!;
    return out;
  };
  const fused = exportTensors(c, params);
  const f = (n: string) => fused.get(n)!;
  put('transformer.wte.weight', [c.vocabSize, c.dim], f('token_embd.weight').data);
  put('transformer.wpe.weight', [c.contextLength, c.dim], f('position_embd.weight').data);
  for (let l = 0; l < c.nLayer; l++) {
    const b = `blk.${l}.`;
    const h = `transformer.h.${l}.`;
    put(`${h}ln_1.weight`, [c.dim], f(`${b}attn_norm.weight`).data);
    put(`${h}ln_1.bias`, [c.dim], f(`${b}attn_norm.bias`).data);
    put(
      `${h}attn.c_attn.weight`,
      [c.dim, 3 * c.dim],
      transpose(f(`${b}attn_qkv.weight`).data, 3 * c.dim, c.dim),
    );
    put(`${h}attn.c_attn.bias`, [3 * c.dim], f(`${b}attn_qkv.bias`).data);
    put(`${h}attn.c_proj.weight`, [c.dim, c.dim], transpose(f(`${b}attn_output.weight`).data, c.dim, c.dim));
    put(`${h}attn.c_proj.bias`, [c.dim], f(`${b}attn_output.bias`).data);
    put(`${h}ln_2.weight`, [c.dim], f(`${b}ffn_norm.weight`).data);
    put(`${h}ln_2.bias`, [c.dim], f(`${b}ffn_norm.bias`).data);
    put(`${h}mlp.c_fc.weight`, [c.dim, c.ffnDim], transpose(f(`${b}ffn_up.weight`).data, c.ffnDim, c.dim));
    put(`${h}mlp.c_fc.bias`, [c.ffnDim], f(`${b}ffn_up.bias`).data);
    put(
      `${h}mlp.c_proj.weight`,
      [c.ffnDim, c.dim],
      transpose(f(`${b}ffn_down.weight`).data, c.dim, c.ffnDim),
    );
    put(`${h}mlp.c_proj.bias`, [c.dim], f(`${b}ffn_down.bias`).data);
  }
  put('transformer.ln_f.weight', [c.dim], f('output_norm.weight').data);
  put('transformer.ln_f.bias', [c.dim], f('output_norm.bias').data);
  const config = {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    vocab_size: c.vocabSize,
    n_embd: c.dim,
    n_layer: c.nLayer,
    n_head: c.nHead,
    n_inner: c.ffnDim,
    n_positions: c.contextLength,
    activation_function: c.gelu === 'erf' ? 'gelu' : 'gelu_new',
    layer_norm_epsilon: c.normEps,
    tie_word_embeddings: true,
    torch_dtype: 'float32',
  };
  return { tensors, config };
}
