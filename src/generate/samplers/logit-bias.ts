// Adds a fixed bias to chosen tokens' logits (llama.cpp llama_sampler_logit_bias). A bias of
// -Infinity bans a token.
import type { Candidates } from './candidates.js';
import type { Sampler } from './sampler.js';

export class LogitBiasSampler implements Sampler {
  readonly name = 'logit-bias';
  private readonly tokens: Int32Array;
  private readonly biases: Float32Array;

  constructor(bias: ReadonlyMap<number, number> | Readonly<Record<number, number>>) {
    const entries =
      bias instanceof Map ? [...bias.entries()] : Object.entries(bias).map(([k, v]) => [Number(k), v]);
    this.tokens = new Int32Array(entries.map((e) => e[0]!));
    this.biases = new Float32Array(entries.map((e) => e[1]!));
  }

  apply(c: Candidates): void {
    for (let j = 0; j < this.tokens.length; j++) {
      const id = this.tokens[j]!;
      const b = this.biases[j]!;
      // Fast path: candidates still in id order.
      if (id < c.size && c.ids[id] === id) {
        c.logits[id] = c.logits[id]! + b;
        continue;
      }
      for (let i = 0; i < c.size; i++) {
        if (c.ids[i] === id) {
          c.logits[i] = c.logits[i]! + b;
          break;
        }
      }
    }
    if (this.tokens.length > 0) c.sorted = false;
  }
}
