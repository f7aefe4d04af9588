// Padded batches of token sequences and sampling from a trainable net (no KV cache: each new
// token reruns the forward pass over the batch, which is fine for the short responses of RLHF
// on small models and keeps one code path with the training forward).
import type { Graph, ParamStore } from '../../autograd/index.js';
import { UsageError } from '../../errors.js';
import { NETS, type NetConfig } from '../nets/index.js';
import type { Adapters } from '../nets/lora.js';
import type { Rng } from '../rng.js';

/** A net with its parameters (and LoRA adapters, when any). */
export interface NetRef {
  net: NetConfig;
  params: ParamStore;
  adapters?: Adapters | undefined;
}

/** Sequences right-padded (with 0) to a common length. Causal nets never see the padding. */
export interface Padded {
  inputs: Int32Array; // [S·L]
  batch: number;
  len: number;
}

export function padSequences(seqs: readonly (readonly number[])[]): Padded {
  let len = 1;
  for (const s of seqs) len = Math.max(len, s.length);
  const inputs = new Int32Array(seqs.length * len);
  seqs.forEach((s, i) => {
    inputs.set(s, i * len);
  });
  return { inputs, batch: seqs.length, len };
}

/** Row index (s·L + len − 1) of each sequence's last token in a padded batch. */
export function lastRows(seqs: readonly (readonly number[])[], len: number): Int32Array {
  return Int32Array.from(seqs, (s, i) => i * len + Math.max(s.length, 1) - 1);
}

/** prompt + response cut to `max` tokens: the prompt loses its start, the response its end. */
export function joinTruncated(prompt: readonly number[], response: readonly number[], max: number): number[] {
  const r = response.slice(0, Math.max(0, max - 1));
  const keep = Math.max(1, Math.min(prompt.length, max - r.length));
  return [...prompt.slice(prompt.length - keep), ...r];
}

export interface SampleOptions {
  maxNew: number;
  temperature: number;
  /** Tokens that end a response (kept as its last token). */
  stop: ReadonlySet<number>;
  rng: Rng;
}

/** Draws a token from softmax(row / T) (a greedy argmax when T is 0). */
function draw(row: Float32Array, temperature: number, rng: Rng): number {
  let best = 0;
  for (let j = 1; j < row.length; j++) if (row[j]! > row[best]!) best = j;
  if (temperature === 0) return best;
  const m = row[best]!;
  let s = 0;
  for (let j = 0; j < row.length; j++) s += Math.exp((row[j]! - m) / temperature);
  let u = rng.next() * s;
  for (let j = 0; j < row.length; j++) {
    u -= Math.exp((row[j]! - m) / temperature);
    if (u <= 0) return j;
  }
  return best;
}

/** Samples a response per prompt from the net (no gradient). Prompts must fit the context. */
export function sampleResponses(
  g: Graph,
  policy: NetRef,
  prompts: readonly (readonly number[])[],
  o: SampleOptions,
): number[][] {
  const ctx = policy.net.contextLength;
  for (const p of prompts) {
    if (p.length === 0 || p.length + o.maxNew > ctx)
      throw new UsageError(
        `a prompt of ${p.length} tokens + ${o.maxNew} new tokens does not fit the context ${ctx}`,
      );
  }
  const vocab = policy.net.vocabSize;
  const out: number[][] = prompts.map(() => []);
  const done = prompts.map(() => false);
  const row = new Float32Array(vocab);
  for (let step = 0; step < o.maxNew && done.includes(false); step++) {
    const seqs = prompts.map((p, i) => [...p, ...out[i]!]);
    const pad = padSequences(seqs);
    const last = lastRows(seqs, pad.len);
    g.reset();
    const logits = g.noGrad(() =>
      NETS[policy.net.arch].logits(
        g,
        policy.params,
        policy.net,
        pad.inputs,
        pad.batch,
        pad.len,
        policy.adapters,
      ),
    );
    for (let i = 0; i < prompts.length; i++) {
      if (done[i]) continue;
      g.backend.read(logits.data, row, last[i]! * vocab * 4);
      const tok = draw(row, o.temperature, o.rng);
      out[i]!.push(tok);
      if (o.stop.has(tok)) done[i] = true;
    }
  }
  g.reset();
  return out;
}
