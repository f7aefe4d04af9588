// Speculative decoding with a draft model that shares the target's vocabulary. The draft proposes
// up to nDraft tokens greedily; the target scores them in one forward call; the generation loop
// samples from the target's rows one by one and keeps drafts while they equal its choice. The
// output is therefore exactly what the target alone produces (for any sampler and seed); only
// the speed changes. Rejected positions are rolled back with Session.truncate.
import type { Sequence } from './sequence.js';
import type { Stepper } from './stepper.js';

export interface SpeculativeStats {
  /** Draft tokens proposed. */
  drafted: number;
  /** Draft tokens the target agreed with. */
  accepted: number;
  /** accepted / drafted (0 when nothing was drafted). */
  acceptanceRate: number;
}

function argmax(row: Float32Array, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

export class SpeculativeStepper implements Stepper {
  private rows: Float32Array;
  private rowCount = 0; // rows of the current verified batch
  private rowIdx = 0; // row that logits() returns
  private drafts: number[] = [];
  private pending = -1;
  private current: Float32Array;
  drafted = 0;
  accepted = 0;
  /** Most tokens still wanted after the pending one (drafting beyond it would be wasted). */
  remaining = Number.POSITIVE_INFINITY;

  constructor(
    private readonly target: Sequence,
    private readonly draft: Sequence,
    first: Float32Array,
    private readonly vocab: number,
    private readonly nDraft: number,
  ) {
    this.current = first;
    this.rows = new Float32Array(0);
  }

  get pendingCount(): number {
    return this.pending >= 0 ? 1 : 0;
  }

  stats(): SpeculativeStats {
    return {
      drafted: this.drafted,
      accepted: this.accepted,
      acceptanceRate: this.drafted === 0 ? 0 : this.accepted / this.drafted,
    };
  }

  logits(): Float32Array {
    if (this.pending >= 0) this.cycle();
    return this.current;
  }

  push(token: number): void {
    if (this.rowIdx < this.rowCount - 1 && token === this.drafts[this.rowIdx]) {
      // The target chose the draft token: its logits are already computed.
      this.accepted++;
      this.rowIdx++;
      this.current = this.rows.subarray(this.rowIdx * this.vocab, (this.rowIdx + 1) * this.vocab);
      return;
    }
    if (this.rowCount > 0) {
      // Roll the target back to the last verified token.
      const base = this.target.length - this.rowCount;
      this.target.truncate(base + this.rowIdx + 1);
    }
    this.rowCount = 0;
    this.rowIdx = 0;
    this.pending = token;
  }

  /** Drafts from the pending token, then verifies all drafts with one target forward. */
  private cycle(): void {
    const p = this.pending;
    this.pending = -1;
    const room = Math.min(this.target.capacity, this.draft.capacity) - this.target.length - 1;
    const k = Math.max(0, Math.min(this.nDraft, room, this.target.maxBatch - 1, this.remaining));
    const drafts: number[] = [];
    if (k > 0) {
      // Sync the draft cache with the target's tokens + p, then extend greedily.
      const want = [...this.target.tokens, p];
      const common = this.draft.commonPrefix(want);
      this.draft.truncate(Math.min(common, want.length - 1));
      let row: Float32Array | undefined;
      for (let at = this.draft.length; at < want.length; at += this.draft.maxBatch)
        row = this.draft.append(want.slice(at, Math.min(want.length, at + this.draft.maxBatch)));
      for (let i = 0; i < k; i++) {
        const d = argmax(row!, this.vocab);
        drafts.push(d);
        if (i + 1 < k) row = this.draft.append([d]);
      }
    }
    const out = this.target.append([p, ...drafts], drafts.length > 0 ? 'all' : 'last');
    const n = drafts.length + 1;
    if (this.rows.length < n * this.vocab)
      this.rows = new Float32Array(Math.max(n, this.nDraft + 1) * this.vocab);
    this.rows.set(out.subarray(0, n * this.vocab));
    this.drafts = drafts;
    this.drafted += drafts.length;
    this.rowCount = n;
    this.rowIdx = 0;
    this.current = this.rows.subarray(0, this.vocab);
  }
}
