// Embeddings: mean of the final-norm hidden states (CausalLM.embed) over the input's tokens,
// L2-normalised.
import type { CausalLM } from '../../models/causal-lm.js';

const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** One L2-normalised embedding [dim] per input; yields to the event loop between inputs. */
export async function embed(
  model: CausalLM,
  inputs: readonly (readonly number[])[],
): Promise<Float32Array[]> {
  const dim = model.info.dim;
  const out: Float32Array[] = [];
  for (const ids of inputs) {
    const h = model.embed(ids); // [T, dim]
    const t = ids.length;
    const sum = new Float64Array(dim);
    for (let i = 0; i < t; i++) for (let d = 0; d < dim; d++) sum[d]! += h[i * dim + d]!;
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += sum[d]! * sum[d]!;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    out.push(Float32Array.from(sum, (x) => x * scale));
    await yieldToLoop();
  }
  return out;
}
