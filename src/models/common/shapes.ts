// Row-major shapes of every canonical (GGUF-named) tensor a config implies.
import type { ModelConfig } from './config.js';

const BLK = /^blk\.\d+\.(.+)$/;

/** [rows, cols] for matrices, [n] for vectors; undefined for names the families do not use. */
export function canonicalShape(c: ModelConfig, name: string): number[] | undefined {
  const d = c.dim;
  const q = c.nHead * c.headDim;
  const kv = c.nKvHead * c.headDim;
  const f = c.ffnDim;
  switch (name) {
    case 'token_embd.weight':
    case 'output.weight':
      return [c.vocabSize, d];
    case 'position_embd.weight':
      return [c.contextLength, d];
    case 'output_norm.weight':
    case 'output_norm.bias':
      return [d];
    case 'rope_freqs.weight':
      return [(c.rope?.dim ?? c.headDim) / 2];
  }
  const m = BLK.exec(name);
  if (m === null) return undefined;
  const table: Readonly<Record<string, number[]>> = {
    'attn_norm.weight': [d],
    'attn_norm.bias': [d],
    'ffn_norm.weight': [d],
    'ffn_norm.bias': [d],
    'attn_q.weight': [q, d],
    'attn_k.weight': [kv, d],
    'attn_v.weight': [kv, d],
    'attn_q.bias': [q],
    'attn_k.bias': [kv],
    'attn_v.bias': [kv],
    'attn_q_norm.weight': [c.headDim],
    'attn_k_norm.weight': [c.headDim],
    'attn_qkv.weight': [q + 2 * kv, d],
    'attn_qkv.bias': [q + 2 * kv],
    'attn_output.weight': [d, q],
    'attn_output.bias': [d],
    'ffn_gate.weight': [f, d],
    'ffn_up.weight': [f, d],
    'ffn_up.bias': [f],
    'ffn_down.weight': [d, f],
    'ffn_down.bias': [d],
  };
  return table[m[1]!];
}
