// Min-p (llama.cpp llama_sampler_min_p): drop tokens whose probability is below p times the most
// likely token's, i.e. logit < max + ln(p). Keeps at least minKeep tokens.
import type { Candidates } from './candidates.js';
import type { Sampler } from './sampler.js';

export class MinPSampler implements Sampler {
  readonly name = 'min-p';
  constructor(
    readonly p: number,
    readonly minKeep = 1,
  ) {}

  apply(c: Candidates): void {
    if (this.p <= 0 || c.size === 0) return;
    const n = c.size;
    if (!c.sorted) {
      // Unsorted path: filter in place, keeping relative order.
      let max = -Infinity;
      for (let i = 0; i < n; i++) if (c.logits[i]! > max) max = c.logits[i]!;
      const minLogit = max + Math.log(this.p);
      let kept = 0;
      for (let i = 0; i < n; i++) if (c.logits[i]! >= minLogit) kept++;
      if (kept >= this.minKeep) {
        let w = 0;
        for (let i = 0; i < n; i++) {
          if (c.logits[i]! >= minLogit) {
            if (w !== i) c.swap(w, i);
            w++;
          }
        }
        c.size = w;
        return;
      }
      c.sortByLogit();
    }
    const minLogit = c.logits[0]! + Math.log(this.p);
    let i = 1;
    for (; i < n; i++) if (c.logits[i]! < minLogit && i >= this.minKeep) break;
    c.size = i;
  }
}
