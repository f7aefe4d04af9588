// Preallocated activations for up to `tokens` tokens per forward call and `seqs` sequences per
// batch step. Every forward reuses these buffers: the hot loop allocates nothing.
import type { Backend, Buf } from '../../backend/backend.js';
import { CapacityError } from '../../errors.js';
import type { BlockScratch } from '../../nn/block.js';
import type { ModelConfig } from './config.js';

/** Rows of LM-head output computed per pass when all positions' logits are requested. */
export const HEAD_ROWS = 16;

export class Workspace implements BlockScratch {
  readonly tokens: number;
  readonly seqs: number;
  readonly headRows: number;
  /** [T, dim] residual stream */
  readonly x: Buf;
  readonly h: Buf;
  readonly q: Buf;
  readonly k: Buf;
  readonly v: Buf;
  readonly att: Buf;
  readonly f1: Buf;
  readonly f2: Buf;
  /** [seqs, dim] last rows, and their normalised copy */
  readonly last: Buf;
  readonly lastNorm: Buf;
  /** [headRows, vocab] */
  readonly logits: Buf;
  readonly ids: Int32Array;
  readonly positions: Int32Array;
  private readonly bufs: Buf[] = [];

  constructor(
    readonly backend: Backend,
    c: ModelConfig,
    tokens: number,
    seqs: number,
  ) {
    this.tokens = tokens;
    this.seqs = seqs;
    this.headRows = Math.max(seqs, Math.min(tokens, HEAD_ROWS));
    const bytes = Workspace.bytes(c, tokens, seqs);
    if (!Number.isSafeInteger(bytes) || bytes > 2 ** 36) {
      throw new CapacityError(`activation buffers for ${tokens} tokens need ${bytes} bytes: lower maxBatch`, {
        field: 'maxBatch',
      });
    }
    const qDim = c.nHead * c.headDim;
    const kvDim = c.nKvHead * c.headDim;
    try {
      this.x = this.mk(tokens * c.dim);
      this.h = this.mk(tokens * c.dim);
      this.q = this.mk(tokens * qDim);
      this.k = this.mk(tokens * kvDim);
      this.v = this.mk(tokens * kvDim);
      this.att = this.mk(tokens * qDim);
      this.f1 = this.mk(tokens * c.ffnDim);
      this.f2 = this.mk(tokens * c.ffnDim);
      this.last = this.mk(seqs * c.dim);
      this.lastNorm = this.mk(seqs * c.dim);
      this.logits = this.mk(this.headRows * c.vocabSize);
    } catch (e) {
      this.dispose();
      throw e;
    }
    this.ids = new Int32Array(tokens);
    this.positions = new Int32Array(tokens);
  }

  /** Backend bytes a workspace of this size needs. */
  static bytes(c: ModelConfig, tokens: number, seqs: number): number {
    const qDim = c.nHead * c.headDim;
    const kvDim = c.nKvHead * c.headDim;
    const headRows = Math.max(seqs, Math.min(tokens, HEAD_ROWS));
    const per = 2 * c.dim + 2 * qDim + 2 * kvDim + 2 * c.ffnDim;
    return 4 * (tokens * per + 2 * seqs * c.dim + headRows * c.vocabSize);
  }

  private mk(n: number): Buf {
    const b = this.backend.alloc(Math.max(1, n) * 4);
    this.bufs.push(b);
    return b;
  }

  dispose(): void {
    for (const b of this.bufs) this.backend.free(b);
    this.bufs.length = 0;
  }
}
