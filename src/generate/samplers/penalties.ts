// Repetition, frequency and presence penalties over the last N accepted tokens
// (llama.cpp llama_sampler_penalties): a seen token's logit is divided by `repeat` when positive
// and multiplied by it when ≤ 0, then lowered by count·frequency + presence.
import type { Candidates } from './candidates.js';
import type { Sampler } from './sampler.js';

export class PenaltiesSampler implements Sampler {
  readonly name = 'penalties';
  readonly observesPrompt = true;
  private readonly counts: Int32Array; // [vocab] occurrences inside the window
  private readonly ring: Int32Array; // [lastN] the window, oldest at `head` when full
  private head = 0;
  private filled = 0;

  constructor(
    vocabSize: number,
    readonly lastN: number,
    readonly repeat: number,
    readonly frequency: number,
    readonly presence: number,
  ) {
    this.counts = new Int32Array(vocabSize);
    this.ring = new Int32Array(Math.max(0, lastN));
  }

  private get inactive(): boolean {
    return this.lastN === 0 || (this.repeat === 1 && this.frequency === 0 && this.presence === 0);
  }

  apply(c: Candidates): void {
    if (this.inactive || this.filled === 0) return;
    const { counts } = this;
    for (let i = 0; i < c.size; i++) {
      const n = counts[c.ids[i]!]!;
      if (n === 0) continue;
      let l = c.logits[i]!;
      l = l <= 0 ? l * this.repeat : l / this.repeat;
      c.logits[i] = l - n * this.frequency - this.presence;
    }
    c.sorted = false;
  }

  accept(token: number): void {
    if (this.lastN === 0 || token < 0 || token >= this.counts.length) return;
    if (this.filled === this.lastN) {
      const old = this.ring[this.head]!;
      this.counts[old] = this.counts[old]! - 1;
      this.ring[this.head] = token;
      this.head = (this.head + 1) % this.lastN;
    } else {
      this.ring[this.filled++] = token;
    }
    this.counts[token] = this.counts[token]! + 1;
  }

  reset(): void {
    this.counts.fill(0);
    this.head = 0;
    this.filled = 0;
  }
}
