// Locally typical sampling (Meister et al. 2022; llama.cpp llama_sampler_typical): keep the
// tokens whose surprisal is closest to the entropy until their mass exceeds p.
import { type Candidates, sortByAuxAscending } from './candidates.js';
import type { Sampler } from './sampler.js';

export class TypicalSampler implements Sampler {
  readonly name = 'typical-p';
  constructor(
    readonly p: number,
    readonly minKeep = 1,
  ) {}

  apply(c: Candidates): void {
    if (this.p >= 1) return;
    c.softmax();
    const n = c.size;
    let entropy = 0;
    for (let i = 0; i < n; i++) {
      const p = c.probs[i]!;
      if (p > 0) entropy -= p * Math.log(p);
    }
    for (let i = 0; i < n; i++) c.aux[i] = Math.abs(-Math.log(c.probs[i]!) - entropy);
    sortByAuxAscending(c);
    let cum = 0;
    let last = n;
    for (let i = 0; i < n; i++) {
      cum += c.probs[i]!;
      if (cum > this.p && i >= this.minKeep - 1) {
        last = i + 1;
        break;
      }
    }
    c.size = last;
    c.sorted = false;
  }
}
