// Log-probabilities of the model's raw distribution (before the sampling chain), as OpenAI's
// `logprobs` / `top_logprobs` report them.

export interface TokenLogprob {
  token: number;
  logprob: number;
}

/** log Σ exp(logits) over the first n entries. */
export function logSumExp(logits: Float32Array, n: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) if (logits[i]! > max) max = logits[i]!;
  if (max === Number.NEGATIVE_INFINITY) return max;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(logits[i]! - max);
  return max + Math.log(sum);
}

/** The k most likely tokens with their log-probabilities (ties: lower id first). */
export function topLogprobs(logits: Float32Array, n: number, k: number, lse: number): TokenLogprob[] {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const l = logits[i]!;
    if (ids.length === k && l <= logits[ids[k - 1]!]!) continue;
    let at = ids.length;
    while (at > 0 && logits[ids[at - 1]!]! < l) at--;
    ids.splice(at, 0, i);
    if (ids.length > k) ids.pop();
  }
  return ids.map((token) => ({ token, logprob: logits[token]! - lse }));
}
