// The scheduler alone: chunked prefill, backpressure pauses, the stall limit, queue bounds, and
// batched results equal to sequential ones.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { JsBackend } from '../../backend/js/index.js';
import type { CausalLM, Session, SessionOptions } from '../../models/causal-lm.js';
import { DecoderSession } from '../../models/common/session.js';
import { loadModel } from '../../models/loader.js';
import { sharedPath, skipUnlessShared } from '../../testing/shared.js';
import { ApiError } from '../errors.js';
import { ModelMetrics } from '../metrics.js';
import { ScriptedModel, STORIES_PARTS } from '../test-support.js';
import { Job, type JobParams, type JobResult } from './job.js';
import { Scheduler } from './scheduler.js';

const SCRIPT = Array.from(new TextEncoder().encode('\u0001abcdefghij'));

function params(prompt: number[], maxTokens = 50): JobParams {
  return {
    promptIds: prompt,
    maxTokens,
    sampling: { temperature: 0 },
    stop: [],
    logprobs: false,
    topLogprobs: 0,
  };
}

function job(model: CausalLM, p: JobParams): { job: Job; done: Promise<JobResult> } {
  let resolve!: (r: JobResult) => void;
  const done = new Promise<JobResult>((r) => {
    resolve = r;
  });
  return { job: new Job(model, p, { onPiece() {}, onEnd: resolve }, 512), done };
}

describe('scheduler', () => {
  test('chunked prefill, then decoding; sequences are batched and each is right', async () => {
    const model = new ScriptedModel(SCRIPT, 512);
    const m = new ModelMetrics();
    const s = new Scheduler(model, { parallel: 4, queue: 4, contextLength: 512, prefillChunk: 128 }, m);
    const long = job(model, params(Array.from({ length: 300 }, () => 65)));
    const short = job(model, params([66, 67]));
    s.submit([long.job, short.job]);
    const [a, b] = await Promise.all([long.done, short.done]);
    const want = '\u0001abcdefghij';
    assert.equal(a.text, want);
    assert.equal(b.text, want);
    assert.equal(a.finishReason, 'stop');
    assert.equal(m.promptTokens, 302);
    assert.ok(m.batchedSteps > 0);
    assert.equal(model.maxBatch, 2);
    assert.equal(m.active, 0);
  });

  test('a paused job does not advance; it resumes; a stalled one is cancelled', async () => {
    const model = new ScriptedModel(SCRIPT, 512);
    const s = new Scheduler(
      model,
      { parallel: 2, queue: 0, contextLength: 512, stallLimitMs: 100 },
      new ModelMetrics(),
    );
    let paused = false;
    const a = job(model, params([66]));
    a.job.paused = () => paused;
    s.submit([a.job]);
    while (a.job.completion < 2) await new Promise((r) => setImmediate(r));
    paused = true;
    await new Promise((r) => setTimeout(r, 40));
    const at = a.job.completion;
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(a.job.completion, at, 'no progress while paused');
    paused = false;
    assert.equal((await a.done).finishReason, 'stop');
    const b = job(model, params([66]));
    b.job.paused = () => true;
    s.submit([b.job]);
    const rb = await b.done;
    assert.equal(rb.finishReason, 'abort');
  });

  test('a request past its deadline ends with finish reason length', async () => {
    const model = new ScriptedModel(SCRIPT, 512);
    const s = new Scheduler(
      model,
      { parallel: 1, queue: 0, contextLength: 512, stepDelayMs: 10, maxRequestMs: 40 },
      new ModelMetrics(),
    );
    const a = job(model, params([66]));
    s.submit([a.job]);
    const r = await a.done;
    assert.equal(r.finishReason, 'length');
    assert.ok(r.completionTokens < SCRIPT.length, `${r.completionTokens} tokens`);
  });

  test('the queue is bounded', () => {
    const model = new ScriptedModel(SCRIPT, 512);
    const s = new Scheduler(
      model,
      { parallel: 1, queue: 1, contextLength: 512, stepDelayMs: 5 },
      new ModelMetrics(),
    );
    const mk = () => job(model, params([66], 3)).job;
    s.submit([mk(), mk()]);
    assert.throws(
      () => s.submit([mk()]),
      (e: unknown) => e instanceof ApiError && e.status === 429,
    );
    assert.throws(
      () => s.submit([mk(), mk(), mk()]),
      (e: unknown) => e instanceof ApiError && e.status === 400,
    );
    s.dispose();
  });
});

describe('scheduler slots (stories260K)', { skip: skipUnlessShared(...STORIES_PARTS) }, () => {
  test('slot sessions run through forwardBatch only and never allocate a per-session workspace', async () => {
    const model = await loadModel(sharedPath(...STORIES_PARTS)!, { backend: new JsBackend() });
    try {
      const sessions: Session[] = [];
      const opts: SessionOptions[] = [];
      const create = model.newSession.bind(model);
      model.newSession = (o?: SessionOptions): Session => {
        opts.push({ ...o });
        const s = create(o);
        sessions.push(s);
        return s;
      };
      const s = new Scheduler(model, { parallel: 2, queue: 2, contextLength: 256 }, new ModelMetrics());
      const tok = model.tokenizer!;
      const jobs = [
        job(model, params(tok.encode('Once upon a time'), 8)),
        job(model, params(tok.encode('Lily'), 8)),
      ];
      s.submit(jobs.map((j) => j.job));
      const results = await Promise.all(jobs.map((j) => j.done));
      for (const r of results) assert.equal(r.completionTokens, 8);
      assert.equal(sessions.length, 2);
      for (const o of opts) assert.equal(o.lazyWorkspace, true);
      for (const x of sessions) assert.ok(x instanceof DecoderSession && !x.hasWorkspace);
      s.dispose();
    } finally {
      model.dispose();
    }
  });
});
