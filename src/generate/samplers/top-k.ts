// Keeps the k highest logits (llama.cpp llama_sampler_top_k; k ≤ 0 disables it).
import type { Candidates } from './candidates.js';
import type { Sampler } from './sampler.js';

export class TopKSampler implements Sampler {
  readonly name = 'top-k';
  constructor(readonly k: number) {}

  apply(c: Candidates): void {
    if (this.k <= 0) return;
    const k = Math.min(this.k, c.size);
    if (!c.sorted) {
      c.partialSort(k);
      c.sorted = true;
    }
    c.size = k;
  }
}
