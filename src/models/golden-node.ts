// Node-only helpers for the model golden tests: read a golden JSON and compare a model with it.
import { readFileSync } from 'node:fs';
import type { CausalLM } from './causal-lm.js';

export interface GoldenPrompt {
  name: string;
  prompt_ids: number[];
  n_greedy: number;
  greedy_ids: number[];
  last_logits: number[];
  prompt_top10: [number, number][][];
  greedy_top10: [number, number][][];
  min_greedy_margin: number;
}

export interface Golden {
  model_file: string;
  n_vocab: number;
  prompts: GoldenPrompt[];
}

export function readGolden(path: string): Golden {
  return JSON.parse(readFileSync(path, 'utf8')) as Golden;
}

export function argmax(x: ArrayLike<number>, off = 0, n = x.length - off): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (x[off + i]! > x[off + best]!) best = i;
  return best;
}

export interface TeacherForced {
  /** [positions, vocab] logits at every prompt position and every greedy step (teacher-forced). */
  logits: Float32Array;
  /** Golden top-10 for each of those positions. */
  top10: [number, number][][];
  vocab: number;
}

/** Feeds prompt + greedy_ids[0..n-2] in one forward and pairs each position with its golden top-10. */
export function teacherForce(model: CausalLM, p: GoldenPrompt): TeacherForced {
  const s = model.newSession();
  try {
    const ids = [...p.prompt_ids, ...p.greedy_ids.slice(0, -1)];
    const logits = Float32Array.from(s.forward(ids, 'all'));
    return { logits, top10: [...p.prompt_top10, ...p.greedy_top10], vocab: model.info.vocabSize };
  } finally {
    s.dispose();
  }
}

/** Max |ours − golden| over every golden top-10 entry. */
export function maxTop10Diff(tf: TeacherForced): number {
  let m = 0;
  tf.top10.forEach((row, t) => {
    for (const [id, v] of row) m = Math.max(m, Math.abs(tf.logits[t * tf.vocab + id]! - v));
  });
  return m;
}

/** Fraction of positions where our argmax is the golden top-1. */
export function top1Agreement(tf: TeacherForced): number {
  let ok = 0;
  tf.top10.forEach((row, t) => {
    if (argmax(tf.logits, t * tf.vocab, tf.vocab) === row[0]![0]) ok++;
  });
  return ok / tf.top10.length;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return ab / Math.sqrt(aa * bb);
}

/** Greedy decode of n tokens after the prompt (prefill, then one token per step). */
export function greedy(model: CausalLM, prompt: readonly number[], n: number): number[] {
  const s = model.newSession();
  try {
    let logits = s.forward(prompt, 'last');
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const id = argmax(logits);
      out.push(id);
      if (i + 1 < n) logits = s.forward([id], 'last');
    }
    return out;
  } finally {
    s.dispose();
  }
}
