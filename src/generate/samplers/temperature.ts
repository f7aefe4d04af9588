// Temperature (llama.cpp llama_sampler_temp): divides logits by t. t ≤ 0 keeps only the best
// token (ties: lower id), which makes the final draw greedy.
import type { Candidates } from './candidates.js';
import type { Sampler } from './sampler.js';

export class TemperatureSampler implements Sampler {
  readonly name = 'temperature';
  constructor(readonly temp: number) {}

  apply(c: Candidates): void {
    if (this.temp <= 0) {
      const best = argmax(c);
      if (best < 0) return;
      if (best !== 0) c.swap(0, best);
      c.size = 1;
      c.sorted = true;
      return;
    }
    if (this.temp === 1) return;
    for (let i = 0; i < c.size; i++) c.logits[i] = c.logits[i]! / this.temp;
  }
}

/** Position of the highest logit (ties: lower id), or -1 when empty. */
export function argmax(c: Candidates): number {
  let best = -1;
  for (let i = 0; i < c.size; i++) {
    if (best < 0) {
      best = i;
      continue;
    }
    const l = c.logits[i]!;
    const bl = c.logits[best]!;
    if (l > bl || (l === bl && c.ids[i]! < c.ids[best]!)) best = i;
  }
  return best;
}
