// Final sampler: selects the highest logit (ties: lower id).
import type { Candidates } from './candidates.js';
import type { Sampler } from './sampler.js';
import { argmax } from './temperature.js';

export class GreedySampler implements Sampler {
  readonly name = 'greedy';
  apply(c: Candidates): void {
    c.selected = argmax(c);
  }
}
