// Row-major shapes of trainable-net parameters by GGUF name.
import type { NetConfig } from '../nets/index.js';

export function shapeOfParam(name: string, net: NetConfig, length: number): number[] {
  if (name.includes('norm') || name.endsWith('.bias')) return [length];
  const D = net.dim;
  const kv = net.arch === 'llama' ? net.nKvHead * (D / net.nHead) : D;
  if (name === 'token_embd.weight' || name === 'output.weight') return [net.vocabSize, D];
  if (name === 'position_embd.weight') return [net.contextLength, D];
  const kind = /^blk\.\d+\.([a-z_]+)\.weight$/.exec(name)?.[1];
  switch (kind) {
    case 'attn_k':
    case 'attn_v':
      return [kv, D];
    case 'ffn_gate':
    case 'ffn_up':
      return [net.ffnDim, D];
    case 'ffn_down':
      return [D, net.ffnDim];
    default:
      return [D, D];
  }
}
