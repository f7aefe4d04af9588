// Continuous batching for one model. Each step runs every active sequence together through
// `model.forwardBatch`: decoding sequences bring their one pending token, new sequences a chunk
// of their prompt (chunked prefill, bounded per step so decoding stays smooth). Waiting
// sequences take a free slot between steps; a cancelled sequence leaves at the next step and its
// KV cache returns to the pool. A new sequence takes the pooled KV cache sharing the longest
// prefix with its prompt and computes only the rest (prompt caching: chat clients resend the
// whole conversation every turn). The loop yields to the event loop after every step.
import type { CausalLM, Session } from '../../models/causal-lm.js';
import { ApiError } from '../errors.js';
import type { ModelMetrics } from '../metrics.js';
import type { Job } from './job.js';

export interface SchedulerOptions {
  /** Most sequences generating at once (KV caches allocated). */
  parallel: number;
  /** Most sequences waiting for a slot; beyond it submit() throws a 429. */
  queue: number;
  /** KV-cache capacity of each slot, in tokens. */
  contextLength: number;
  /** KV-cache storage of each slot: 'f32' (default) or 'q8_0'. */
  cacheType?: 'f32' | 'q8_0';
  /** Most prompt tokens one sequence feeds per step. Default 128. */
  prefillChunk?: number;
  /** Most prompt tokens all sequences feed per step. Default 256. */
  prefillBudget?: number;
  /** Sleep this long after each step (tests and demos only). Default 0. */
  stepDelayMs?: number;
  /** A sequence whose client reads nothing for this long is cancelled. Default 60 000. */
  stallLimitMs?: number;
  /** A sequence running longer than this ends with finish reason 'length'. Default: no limit. */
  maxRequestMs?: number;
}

/** A KV cache and the ids it holds (ids.length === session.pos). */
export interface Slot {
  session: Session;
  ids: number[];
}

function commonPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

const setImmediateP = (): Promise<void> => new Promise((r) => setImmediate(r));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class Scheduler {
  private readonly waiting: Job[] = [];
  private readonly active: Job[] = [];
  private readonly pool: Slot[] = [];
  private running = false;
  private idleWaiters: (() => void)[] = [];
  private readonly chunk: number;
  private readonly budget: number;
  private disposed = false;

  constructor(
    readonly model: CausalLM,
    readonly opts: SchedulerOptions,
    readonly metrics: ModelMetrics,
  ) {
    this.chunk = Math.max(1, Math.min(opts.prefillChunk ?? 128, opts.contextLength));
    this.budget = Math.max(this.chunk, opts.prefillBudget ?? 256);
  }

  get activeCount(): number {
    return this.active.length;
  }

  get waitingCount(): number {
    return this.waiting.length;
  }

  /** Queues the jobs (all or none). Throws a 429 ApiError when the queue has no room for them. */
  submit(jobs: readonly Job[]): void {
    if (this.disposed)
      throw new ApiError(
        503,
        'the server is shutting down',
        'service_unavailable_error',
        'shutting_down',
        null,
        5,
      );
    if (jobs.length > this.opts.parallel + this.opts.queue)
      throw new ApiError(
        400,
        `the request needs ${jobs.length} sequences (prompts × n); this server runs at most ${this.opts.parallel + this.opts.queue} per model`,
        'invalid_request_error',
        'invalid_value',
        'n',
      );
    const freeSlots = Math.max(0, this.opts.parallel - this.active.length);
    const overflow = this.waiting.length + jobs.length - freeSlots;
    if (overflow > this.opts.queue)
      throw new ApiError(
        429,
        `the server is busy (${this.active.length} sequences running, ${this.waiting.length} waiting): retry later`,
        'rate_limit_error',
        'server_overloaded',
        null,
        1,
      );
    for (const j of jobs) this.waiting.push(j);
    this.updateGauges();
    this.kick();
  }

  /** Cancels a job: it ends with finish reason 'abort' at the next step boundary. */
  cancel(job: Job): void {
    if (job.done || job.cancelled) return;
    job.cancelled = true;
    this.kick();
  }

  /** Resolves when no job is waiting or running. */
  idle(): Promise<void> {
    if (this.active.length === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Aborts everything and frees the KV caches. */
  dispose(): void {
    this.disposed = true;
    for (const j of [...this.waiting, ...this.active]) this.end(j, 'abort');
    this.waiting.length = 0;
    this.active.length = 0;
    for (const s of this.pool) s.session.dispose();
    this.pool.length = 0;
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    void this.loop().finally(() => {
      this.running = false;
    });
  }

  private async loop(): Promise<void> {
    await setImmediateP(); // never run a step inside submit(): callers set up their output first
    while (this.active.length > 0 || this.waiting.length > 0) {
      this.admit();
      const ran = this.step();
      this.updateGauges();
      if (this.opts.stepDelayMs) await sleep(this.opts.stepDelayMs);
      else if (ran) await setImmediateP();
      else await sleep(2); // every active sequence is paused by backpressure
    }
    this.updateGauges();
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const r of w) r();
  }

  private admit(): void {
    for (let i = 0; i < this.waiting.length; ) {
      const j = this.waiting[i]!;
      if (j.cancelled || j.done) {
        this.waiting.splice(i, 1);
        this.end(j, 'abort');
        continue;
      }
      i++;
    }
    while (this.waiting.length > 0 && this.active.length < this.opts.parallel) {
      const j = this.waiting.shift()!;
      const prompt = j.params.promptIds;
      let best = -1;
      let bestLen = -1;
      for (let i = 0; i < this.pool.length; i++) {
        const l = commonPrefix(this.pool[i]!.ids, prompt);
        if (l > bestLen) {
          best = i;
          bestLen = l;
        }
      }
      let slot: Slot;
      if (best >= 0) slot = this.pool.splice(best, 1)[0]!;
      else {
        try {
          slot = {
            session: this.model.newSession({
              contextLength: this.opts.contextLength,
              maxBatch: this.chunk,
              lazyWorkspace: true, // slots run only through forwardBatch
              cacheType: this.opts.cacheType,
            }),
            ids: [],
          };
        } catch (e) {
          this.end(j, 'error', e);
          continue;
        }
      }
      // Keep the shared prefix (at least one prompt token is run, for its logits).
      const reuse = Math.max(0, Math.min(commonPrefix(slot.ids, prompt), prompt.length - 1));
      if (reuse === 0) slot.session.reset();
      else slot.session.truncate(reuse);
      slot.ids.length = reuse;
      j.fed = reuse;
      j.cachedTokens = reuse;
      j.slot = slot;
      j.session = slot.session;
      this.active.push(j);
    }
  }

  /** Runs one batched forward over the runnable sequences; false when none could run. */
  private step(): boolean {
    const jobs: Job[] = [];
    const inputs: number[][] = [];
    let budget = this.budget;
    for (let i = 0; i < this.active.length; ) {
      const j = this.active[i]!;
      if (j.cancelled || j.done) {
        this.active.splice(i, 1);
        this.release(j, 'abort');
        continue;
      }
      i++;
      if (j.paused()) {
        const now = performance.now();
        if (j.pausedSince === 0) j.pausedSince = now;
        else if (now - j.pausedSince > (this.opts.stallLimitMs ?? 60_000)) j.cancelled = true;
        continue;
      }
      j.pausedSince = 0;
      const limit = this.opts.maxRequestMs;
      if (limit !== undefined && !j.prefilling && performance.now() - j.tSubmit > limit) {
        this.active.splice(--i, 1);
        j.finish('length');
        this.release(j);
        continue;
      }
      if (j.prefilling) {
        if (budget <= 0) continue;
        const tk = j.input(Math.min(this.chunk, budget));
        budget -= tk.length;
        jobs.push(j);
        inputs.push(tk);
      } else {
        jobs.push(j);
        inputs.push(j.input(1));
      }
    }
    if (jobs.length === 0) return false;
    const m = this.metrics;
    let logits: Float32Array[];
    try {
      logits = this.model.forwardBatch(
        jobs.map((j) => j.session!),
        inputs,
      );
    } catch (e) {
      for (const j of jobs) {
        j.slot!.ids.length = 0; // the cache's state is unknown now
        j.slot!.session.reset();
        this.remove(j, 'error', e);
      }
      return true;
    }
    m.decodeSteps++;
    if (jobs.length > 1) m.batchedSteps++;
    for (let i = 0; i < jobs.length; i++) {
      const j = jobs[i]!;
      for (const t of inputs[i]!) j.slot!.ids.push(t);
      const wasPrefill = j.prefilling;
      if (wasPrefill) m.promptTokens += inputs[i]!.length;
      const before = j.completion;
      try {
        j.advance(inputs[i]!.length, logits[i]!);
      } catch (e) {
        this.remove(j, 'error', e);
        continue;
      }
      if (j.completion > before) {
        m.generatedTokens++;
        if (before === 0) m.ttft.observe((j.tFirst - j.tSubmit) / 1000);
      }
      if (j.done) this.remove(j);
    }
    return true;
  }

  private remove(j: Job, reason?: 'error' | 'abort', error?: unknown): void {
    const at = this.active.indexOf(j);
    if (at >= 0) this.active.splice(at, 1);
    this.release(j, reason, error);
  }

  /** Ends a job that held a slot and returns its KV cache to the pool. */
  private release(j: Job, reason?: 'error' | 'abort', error?: unknown): void {
    if (reason !== undefined) this.end(j, reason, error);
    else this.observeDone(j);
    const slot = j.slot;
    j.session = undefined;
    j.slot = undefined;
    if (slot === undefined) return;
    if (this.disposed || this.pool.length >= this.opts.parallel) slot.session.dispose();
    else this.pool.push(slot);
  }

  private end(j: Job, reason: 'error' | 'abort', error?: unknown): void {
    if (j.done) return;
    if (reason === 'abort') this.metrics.aborted++;
    try {
      j.finish(reason, error);
    } catch {
      // a listener failing (closed socket) must not stop the loop
    }
    this.observeDone(j);
  }

  private observeDone(j: Job): void {
    if (j.completion > 1 && j.tLast > j.tFirst)
      this.metrics.tpot.observe((j.tLast - j.tFirst) / 1000 / (j.completion - 1));
  }

  private updateGauges(): void {
    this.metrics.queueDepth = this.waiting.length;
    this.metrics.active = this.active.length;
  }
}
