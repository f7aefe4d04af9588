// Produces the logits for each next position of a generation. The plain stepper runs one forward
// per token; the speculative one (speculative.ts) verifies draft tokens in batches. Both compute
// lazily: after the last token nothing more is run.
import type { Sequence } from './sequence.js';

export interface Stepper {
  /** Logits for the next position (valid until the next push/logits call). */
  logits(): Float32Array;
  /** Records the token sampled from the last logits. */
  push(token: number): void;
  /** Tokens that must still fit into the cache before logits() can run (0 or 1). */
  readonly pendingCount: number;
}

export class PlainStepper implements Stepper {
  private current: Float32Array;
  private pending = -1;

  constructor(
    private readonly seq: Sequence,
    first: Float32Array,
  ) {
    this.current = first;
  }

  get pendingCount(): number {
    return this.pending >= 0 ? 1 : 0;
  }

  logits(): Float32Array {
    if (this.pending >= 0) {
      this.current = this.seq.append([this.pending]);
      this.pending = -1;
    }
    return this.current;
  }

  push(token: number): void {
    this.pending = token;
  }
}
