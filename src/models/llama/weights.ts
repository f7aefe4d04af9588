// Checkpoint names of the LLaMA-style families (llama, mistral, qwen2, qwen3): canonical GGUF
// names ↔ Hugging Face names. HF llama q_proj/k_proj rows are in rotate-half order and are
// permuted into GGUF's adjacent-pair order at load (and back on export); qwen2/qwen3 are not.
import type { ModelConfig } from '../common/config.js';
import type { NameMap, SourceRef } from '../common/weights.js';

const GLOBAL: Readonly<Record<string, string>> = {
  'token_embd.weight': 'model.embed_tokens.weight',
  'output_norm.weight': 'model.norm.weight',
  'output.weight': 'lm_head.weight',
};

const LAYER: Readonly<Record<string, string>> = {
  'attn_norm.weight': 'input_layernorm.weight',
  'attn_q.weight': 'self_attn.q_proj.weight',
  'attn_k.weight': 'self_attn.k_proj.weight',
  'attn_v.weight': 'self_attn.v_proj.weight',
  'attn_output.weight': 'self_attn.o_proj.weight',
  'attn_q.bias': 'self_attn.q_proj.bias',
  'attn_k.bias': 'self_attn.k_proj.bias',
  'attn_v.bias': 'self_attn.v_proj.bias',
  'attn_output.bias': 'self_attn.o_proj.bias',
  'attn_q_norm.weight': 'self_attn.q_norm.weight',
  'attn_k_norm.weight': 'self_attn.k_norm.weight',
  'ffn_norm.weight': 'post_attention_layernorm.weight',
  'ffn_gate.weight': 'mlp.gate_proj.weight',
  'ffn_up.weight': 'mlp.up_proj.weight',
  'ffn_down.weight': 'mlp.down_proj.weight',
};

const BLK = /^blk\.(\d+)\.(.+)$/;

/** canonical → HF for LLaMA-like checkpoints; `permuteQK` for llama (not qwen). */
export function llamaLikeHfNames(c: ModelConfig, permuteQK: boolean): NameMap {
  return (canonical: string): SourceRef | undefined => {
    const g = GLOBAL[canonical];
    if (g !== undefined) return { name: g, transform: { kind: 'none' } };
    const m = BLK.exec(canonical);
    if (m === null) return undefined;
    const suffix = LAYER[m[2]!];
    if (suffix === undefined) return undefined;
    const name = `model.layers.${m[1]}.${suffix}`;
    if (permuteQK && (m[2] === 'attn_q.weight' || m[2] === 'attn_q.bias')) {
      return { name, transform: { kind: 'permute', heads: c.nHead } };
    }
    if (permuteQK && (m[2] === 'attn_k.weight' || m[2] === 'attn_k.bias')) {
      return { name, transform: { kind: 'permute', heads: c.nKvHead } };
    }
    return { name, transform: { kind: 'none' } };
  };
}

export interface LlamaLikeTensors {
  qkvBias: boolean;
  qkNorm: boolean;
}

/** Canonical tensor names of a LLaMA-like model, in GGUF/convert order. */
export function llamaLikeTensorNames(c: ModelConfig, t: LlamaLikeTensors): string[] {
  const out = ['token_embd.weight'];
  for (let l = 0; l < c.nLayer; l++) {
    const p = `blk.${l}.`;
    out.push(`${p}attn_norm.weight`, `${p}attn_q.weight`, `${p}attn_k.weight`, `${p}attn_v.weight`);
    if (t.qkvBias) out.push(`${p}attn_q.bias`, `${p}attn_k.bias`, `${p}attn_v.bias`);
    if (t.qkNorm) out.push(`${p}attn_q_norm.weight`, `${p}attn_k_norm.weight`);
    out.push(`${p}attn_output.weight`, `${p}ffn_norm.weight`, `${p}ffn_gate.weight`, `${p}ffn_up.weight`);
    out.push(`${p}ffn_down.weight`);
  }
  out.push('output_norm.weight');
  if (!c.tiedEmbeddings) out.push('output.weight');
  return out;
}
