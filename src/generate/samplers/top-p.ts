// Nucleus sampling (llama.cpp llama_sampler_top_p): keep the smallest prefix of the sorted
// candidates whose probability mass reaches p (at least minKeep).
import type { Candidates } from './candidates.js';
import type { Sampler } from './sampler.js';

export class TopPSampler implements Sampler {
  readonly name = 'top-p';
  constructor(
    readonly p: number,
    readonly minKeep = 1,
  ) {}

  apply(c: Candidates): void {
    if (this.p >= 1) return;
    if (!c.sorted && c.size > 1024 && this.fromPrefix(c)) return;
    c.softmax();
    let cum = 0;
    let last = c.size;
    for (let i = 0; i < c.size; i++) {
      cum += c.probs[i]!;
      if (cum >= this.p && i + 1 >= this.minKeep) {
        last = i + 1;
        break;
      }
    }
    c.size = last;
  }

  /**
   * Large unsorted vocabularies: normalize over all candidates once, then sort only a growing
   * prefix until it holds mass p (same result as a full sort, without sorting 150k entries).
   */
  private fromPrefix(c: Candidates): boolean {
    const n = c.size;
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) if (c.logits[i]! > max) max = c.logits[i]!;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += Math.exp(c.logits[i]! - max);
    for (let k = 256; k < n; k *= 4) {
      c.partialSort(k);
      let cum = 0;
      for (let i = 0; i < k; i++) {
        const p = Math.exp(c.logits[i]! - max) / sum;
        c.probs[i] = p;
        cum += p;
        if (cum >= this.p && i + 1 >= this.minKeep) {
          c.size = i + 1;
          c.sorted = true;
          return true;
        }
      }
    }
    return false;
  }
}
