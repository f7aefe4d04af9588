// The server's slots honour SchedulerOptions.cacheType: two greedy jobs batched on q8_0-cache
// slots give the tokens and logprobs of a q8_0 session run alone (and f32 slots the f32 ones);
// the logprobs of the two cache types differ by more than the tolerance, so the check can fail.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JsBackend } from '../../backend/js/index.js';
import type { GeneratedPiece } from '../../generate/generate.js';
import { logSumExp } from '../../generate/logprobs.js';
import type { CausalLM } from '../../models/causal-lm.js';
import { argmax, maxAbsDiff, readGolden } from '../../models/golden-node.js';
import { loadModel } from '../../models/loader.js';
import { sharedPath, skipUnlessShared } from '../../testing/shared.js';
import { ModelMetrics } from '../metrics.js';
import { Job, type JobResult } from './job.js';
import { Scheduler } from './scheduler.js';

const MODEL = ['golden', 'models', 'tiny-kquant-f32.gguf'];
const GOLDEN = ['golden', 'goldens', 'tiny-kquant-f32.json'];
const N = 10;

/** Greedy tokens of a session alone and each token's logprob. */
function greedy(
  m: CausalLM,
  prompt: number[],
  cacheType: 'f32' | 'q8_0',
): { tokens: number[]; lp: number[] } {
  const s = m.newSession({ contextLength: prompt.length + N + 1, cacheType });
  const tokens: number[] = [];
  const lp: number[] = [];
  let logits = s.forward(prompt, 'last');
  for (let i = 0; i < N; i++) {
    const t = argmax(logits);
    tokens.push(t);
    lp.push(logits[t]! - logSumExp(logits, logits.length));
    logits = s.forward([t], 'last');
  }
  s.dispose();
  return { tokens, lp };
}

test('scheduler slots with cacheType q8_0 generate what a q8_0 session does', {
  skip: skipUnlessShared(...MODEL) || skipUnlessShared(...GOLDEN),
}, async () => {
  const m = await loadModel(sharedPath(...MODEL)!, { backend: new JsBackend() });
  try {
    const prompts = readGolden(sharedPath(...GOLDEN)!)
      .prompts.slice(0, 2)
      .map((p) => p.prompt_ids);
    for (const cacheType of ['q8_0', 'f32'] as const) {
      const s = new Scheduler(
        m,
        { parallel: 2, queue: 2, contextLength: 128, cacheType },
        new ModelMetrics(),
      );
      const runs = prompts.map((prompt) => {
        let resolve!: (r: JobResult) => void;
        const done = new Promise<JobResult>((r) => {
          resolve = r;
        });
        const lp: number[] = [];
        const params = {
          promptIds: prompt,
          maxTokens: N,
          sampling: { temperature: 0 },
          stop: [],
          logprobs: true,
          topLogprobs: 0,
        };
        const listener = {
          onPiece(p: GeneratedPiece): void {
            if (p.token >= 0) lp.push(p.logprob!);
          },
          onEnd: resolve,
        };
        return { job: new Job(m, params, listener, 128), done, lp };
      });
      s.submit(runs.map((r) => r.job));
      const results = await Promise.all(runs.map((r) => r.done));
      for (const [i, r] of results.entries()) {
        assert.equal(r.error, undefined, String(r.error));
        assert.equal(r.finishReason, 'length');
        const want = greedy(m, prompts[i]!, cacheType);
        const other = greedy(m, prompts[i]!, cacheType === 'f32' ? 'q8_0' : 'f32');
        assert.deepEqual(r.tokens, want.tokens, `${cacheType} prompt ${i}`);
        const lp = runs[i]!.lp;
        assert.ok(maxAbsDiff(lp, want.lp) <= 1e-5, `${cacheType} prompt ${i}: ${maxAbsDiff(lp, want.lp)}`);
        assert.ok(
          maxAbsDiff(lp, other.lp) > 1e-5,
          `${cacheType} prompt ${i}: the other cache type matches too`,
        );
      }
      s.dispose();
    }
  } finally {
    m.dispose();
  }
});
