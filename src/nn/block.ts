// The pre-norm transformer block shared by GPT-2, LLaMA and Qwen:
//   x += attn(norm1(x));  x += mlp(norm2(x))
import type { Buf } from '../backend/backend.js';
import type { Attention, AttentionScratch, SeqSpan } from './attention.js';
import type { Mlp, MlpScratch } from './mlp.js';
import type { Norm } from './norm.js';

export type BlockScratch = AttentionScratch & MlpScratch;

export class PreNormBlock {
  constructor(
    public attn_norm: Norm,
    public attn: Attention,
    public ffn_norm: Norm,
    public ffn: Mlp,
  ) {}

  /** x[T, dim] → x[T, dim] for the tokens of `spans` (T = Σ count); updates their caches. */
  forward(x: Buf, s: BlockScratch, spans: readonly SeqSpan[], t: number, layer: number): void {
    this.attn_norm.forward(s.h, x, t);
    this.attn.forward(x, s, spans, layer);
    this.ffn_norm.forward(s.h, x, t);
    this.ffn.forward(x, s, t);
  }

  dispose(): void {
    this.attn_norm.dispose();
    this.attn.dispose();
    this.ffn_norm.dispose();
    this.ffn.dispose();
  }
}
