// Final sampler: a seeded random draw from the softmax of the remaining candidates
// (llama.cpp llama_sampler_dist, with our own PRNG: see rng.ts).
import type { Candidates } from './candidates.js';
import { Rng } from './rng.js';
import type { Sampler } from './sampler.js';

export class DistSampler implements Sampler {
  readonly name = 'dist';
  private readonly rng: Rng;

  constructor(readonly seed: number) {
    this.rng = new Rng(seed);
  }

  apply(c: Candidates): void {
    if (c.size === 0) {
      c.selected = -1;
      return;
    }
    c.softmax();
    const u = this.rng.nextFloat();
    let cum = 0;
    for (let i = 0; i < c.size; i++) {
      cum += c.probs[i]!;
      if (u < cum) {
        c.selected = i;
        return;
      }
    }
    c.selected = c.size - 1; // rounding: the mass summed to slightly under 1
  }

  reset(): void {
    this.rng.reseed(this.seed);
  }
}
