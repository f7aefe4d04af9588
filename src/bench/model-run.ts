// One engine on one model, measured inside a child process of `llmts bench model` (model-child.ts)
// so that peak RSS is this run's own: time to first token (process-level: from the start of
// loading to the first generated token of a 16-token prompt), load time, RSS at the end of the
// load (weights) and at the end of the run (plus KV cache and activations), prefill and decode
// tokens/s.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createBackend } from '../backend/create.js';
import { loadModel } from '../models/loader.js';

/** One result row (the child prints it as one JSON line). */
export interface Measure {
  engine: string;
  model: string;
  threads: number;
  /** Model file size (MiB); a directory's weights are not summed (0). */
  file_mb: number;
  load_s: number;
  /** Start of loading (backend included) → first token of a TTFT_PROMPT-token prompt. */
  ttft_ms: number;
  prefill_tps: number;
  decode_tps: number;
  /** Peak RSS before the model is loaded (runtime, kernels, threads). */
  base_rss_mb: number;
  /** Peak RSS up to the end of the load: what the weights cost. */
  load_rss_mb: number;
  /** Peak RSS of the whole run (adds the KV cache, activations and scratch of the sessions). */
  peak_rss_mb: number;
}

/** Prompt length for the time to first token. */
export const TTFT_PROMPT = 16;

const maxRssMb = (): number => process.resourceUsage().maxRSS / 1024;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

function fileMb(path: string): number {
  const st = statSync(path);
  return st.isFile() ? st.size / 2 ** 20 : 0;
}

/** Deterministic pseudo-random ids away from special tokens. */
export function promptTokens(p: number, vocab: number): number[] {
  const out: number[] = [];
  let x = 12345;
  for (let i = 0; i < p; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out.push(3 + (x % Math.max(1, Math.min(vocab, 30000) - 3)));
  }
  return out;
}

function argmax(v: Float32Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}

export async function runLlmts(
  path: string,
  p: number,
  n: number,
  reps: number,
  threads: number,
): Promise<Measure> {
  const t0 = performance.now();
  const backend = await createBackend({ threads });
  const base = maxRssMb();
  const model = await loadModel(path, { backend });
  const load = (performance.now() - t0) / 1000;
  const loadRss = maxRssMb();
  // Time to first token: a short prompt on a fresh session, greedy first token.
  const first = model.newSession({ contextLength: 4 * TTFT_PROMPT, maxBatch: TTFT_PROMPT });
  argmax(first.forward(promptTokens(TTFT_PROMPT, model.info.vocabSize), 'last'));
  const ttft = performance.now() - t0;
  first.dispose();

  const ids = promptTokens(p, model.info.vocabSize);
  const pre: number[] = [];
  const dec: number[] = [];
  for (let r = 0; r < reps + 1; r++) {
    const s = model.newSession({ contextLength: p + n + 8, maxBatch: p });
    const a = performance.now();
    let logits = s.forward(ids, 'last');
    const b = performance.now();
    let tok = 3;
    for (let i = 0; i < n; i++) {
      tok = 3 + ((tok * 31 + (logits[7] ?? 0) > 0 ? 1 : 0) % 1000);
      logits = s.forward([tok], 'last');
    }
    const c = performance.now();
    s.dispose();
    if (r === 0) continue; // warm-up
    pre.push((p * 1000) / (b - a));
    dec.push((n * 1000) / (c - b));
  }
  model.dispose();
  backend.dispose();
  return {
    engine: 'llmts',
    model: path,
    threads,
    file_mb: fileMb(path),
    load_s: load,
    ttft_ms: ttft,
    prefill_tps: median(pre),
    decode_tps: median(dec),
    base_rss_mb: base,
    load_rss_mb: loadRss,
    peak_rss_mb: maxRssMb(),
  };
}

interface NlcSequence {
  evaluateWithoutGeneratingNewTokens(tokens: number[]): Promise<void>;
  evaluate(tokens: number[], opts: { temperature: number }): AsyncGenerator<number>;
}
interface NlcContext {
  getSequence(): NlcSequence;
  dispose(): Promise<void>;
}
interface NlcModule {
  getLlama(o: object): Promise<{
    loadModel(
      o: object,
    ): Promise<{ createContext(o: object): Promise<NlcContext>; dispose(): Promise<void> }>;
  }>;
}

/** node-llama-cpp (prebuilt llama.cpp) on the same file, measured the same way. */
export async function runPeer(
  peers: string,
  path: string,
  p: number,
  n: number,
  reps: number,
  threads: number,
): Promise<Measure> {
  const mod = (await import(pathToFileURL(join(peers, 'dist', 'index.js')).href)) as NlcModule;
  const t0 = performance.now();
  const llama = await mod.getLlama({ gpu: false, build: 'never' });
  const base = maxRssMb();
  const model = await llama.loadModel({ modelPath: path, gpuLayers: 0 });
  const load = (performance.now() - t0) / 1000;
  const loadRss = maxRssMb();
  const ctx0 = await model.createContext({
    contextSize: 4 * TTFT_PROMPT,
    batchSize: TTFT_PROMPT,
    threads,
    flashAttention: false,
  });
  for await (const _ of ctx0.getSequence().evaluate(promptTokens(TTFT_PROMPT, 30000), { temperature: 0 })) {
    break;
  }
  const ttft = performance.now() - t0;
  await ctx0.dispose();

  const ids = promptTokens(p, 30000);
  const pre: number[] = [];
  const dec: number[] = [];
  for (let r = 0; r < reps + 1; r++) {
    const ctx = await model.createContext({
      contextSize: p + n + 16,
      batchSize: p,
      threads,
      flashAttention: false,
    });
    const seq = ctx.getSequence();
    const a = performance.now();
    await seq.evaluateWithoutGeneratingNewTokens(ids);
    const b = performance.now();
    let k = 0;
    for await (const _ of seq.evaluate([ids[ids.length - 1]!], { temperature: 0 })) {
      if (++k >= n) break;
    }
    const c = performance.now();
    await ctx.dispose();
    if (r === 0) continue;
    pre.push((p * 1000) / (b - a));
    dec.push((n * 1000) / (c - b));
  }
  await model.dispose();
  return {
    engine: 'node-llama-cpp',
    model: path,
    threads,
    file_mb: fileMb(path),
    load_s: load,
    ttft_ms: ttft,
    prefill_tps: median(pre),
    decode_tps: median(dec),
    base_rss_mb: base,
    load_rss_mb: loadRss,
    peak_rss_mb: maxRssMb(),
  };
}
