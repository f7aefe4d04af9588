// GPT-2 checkpoint names. HF stores Conv1D weights as [in, out]: transposed at load (and back
// on export). The fused c_attn [3·D] rows are q, k, v.
import type { ModelConfig } from '../common/config.js';
import type { NameMap, SourceRef } from '../common/weights.js';

const GLOBAL: Readonly<Record<string, string>> = {
  'token_embd.weight': 'transformer.wte.weight',
  'position_embd.weight': 'transformer.wpe.weight',
  'output_norm.weight': 'transformer.ln_f.weight',
  'output_norm.bias': 'transformer.ln_f.bias',
  'output.weight': 'lm_head.weight',
};

const LAYER: Readonly<Record<string, [string, boolean]>> = {
  'attn_norm.weight': ['ln_1.weight', false],
  'attn_norm.bias': ['ln_1.bias', false],
  'attn_qkv.weight': ['attn.c_attn.weight', true],
  'attn_qkv.bias': ['attn.c_attn.bias', false],
  'attn_output.weight': ['attn.c_proj.weight', true],
  'attn_output.bias': ['attn.c_proj.bias', false],
  'ffn_norm.weight': ['ln_2.weight', false],
  'ffn_norm.bias': ['ln_2.bias', false],
  'ffn_up.weight': ['mlp.c_fc.weight', true],
  'ffn_up.bias': ['mlp.c_fc.bias', false],
  'ffn_down.weight': ['mlp.c_proj.weight', true],
  'ffn_down.bias': ['mlp.c_proj.bias', false],
};

const BLK = /^blk\.(\d+)\.(.+)$/;

export function gpt2HfNames(_c: ModelConfig): NameMap {
  return (canonical: string): SourceRef | undefined => {
    const g = GLOBAL[canonical];
    if (g !== undefined) return { name: g, transform: { kind: 'none' } };
    const m = BLK.exec(canonical);
    if (m === null) return undefined;
    const e = LAYER[m[2]!];
    if (e === undefined) return undefined;
    return {
      name: `transformer.h.${m[1]}.${e[0]}`,
      transform: e[1] ? { kind: 'transpose' } : { kind: 'none' },
    };
  };
}

export function gpt2TensorNames(c: ModelConfig): string[] {
  const out = ['token_embd.weight', 'position_embd.weight'];
  for (let l = 0; l < c.nLayer; l++) {
    for (const s of Object.keys(LAYER)) out.push(`blk.${l}.${s}`);
  }
  out.push('output_norm.weight', 'output_norm.bias');
  if (!c.tiedEmbeddings) out.push('output.weight');
  return out;
}
