// One link of the sampling chain, like llama.cpp's llama_sampler: `apply` edits the candidates
// (filters, rescales, or selects one); `accept` observes each token that joins the context.
import type { Candidates } from './candidates.js';

export interface Sampler {
  readonly name: string;
  apply(c: Candidates): void;
  accept?(token: number): void;
  reset?(): void;
  /** Whether prompt tokens are accepted too (penalties: yes; grammars: no). */
  readonly observesPrompt?: boolean;
}
