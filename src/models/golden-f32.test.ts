// F32 models against llama.cpp's goldens (../shared/golden): teacher-forced logits at every
// prompt position and greedy step (all top-10 entries), the full last-position vector, and the
// greedy continuation through the KV cache. Tolerance: 1e-5 abs (README §2.4 target).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { JsBackend } from '../backend/js/index.js';
import { sharedPath, skipUnlessShared } from '../testing/shared.js';
import type { CausalLM } from './causal-lm.js';
import { greedy, maxAbsDiff, maxTop10Diff, readGolden, teacherForce } from './golden-node.js';
import { loadModel } from './loader.js';

const TOL = 1e-5;

const CASES: [label: string, model: string, golden: string][] = [
  ['tiny-llama-f32.gguf', 'models/tiny-llama-f32.gguf', 'goldens/tiny-llama-f32.json'],
  ['tiny-qwen2-f32.gguf', 'models/tiny-qwen2-f32.gguf', 'goldens/tiny-qwen2-f32.json'],
  ['tiny-gpt2-f32.gguf (exact GELU)', 'models/tiny-gpt2-f32.gguf', 'goldens/tiny-gpt2-f32.exact-gelu.json'],
  ['tiny-kquant-f32.gguf (tied)', 'models/tiny-kquant-f32.gguf', 'goldens/tiny-kquant-f32.json'],
  ['tiny-llama-hf (permuted q/k)', 'models/tiny-llama-hf', 'goldens/tiny-llama-f32.json'],
  ['tiny-qwen2-hf', 'models/tiny-qwen2-hf', 'goldens/tiny-qwen2-f32.json'],
  ['tiny-gpt2-hf (Conv1D, tied)', 'models/tiny-gpt2-hf', 'goldens/tiny-gpt2-f32.exact-gelu.json'],
];

const backend = new JsBackend();
after(() => backend.dispose());

for (const [label, modelRel, goldenRel] of CASES) {
  const skip = skipUnlessShared('golden', modelRel) || skipUnlessShared('golden', goldenRel);
  describe(label, { skip }, () => {
    let model: CausalLM | undefined;
    const golden = skip ? undefined : readGolden(sharedPath('golden', goldenRel)!);
    const get = async () => {
      model ??= await loadModel(sharedPath('golden', modelRel)!, { backend });
      return model;
    };
    after(() => model?.dispose());

    for (const p of golden?.prompts ?? []) {
      test(`${p.name}: teacher-forced logits within ${TOL}`, async () => {
        const m = await get();
        assert.equal(m.info.vocabSize, golden!.n_vocab);
        const tf = teacherForce(m, p);
        const d = maxTop10Diff(tf);
        assert.ok(d <= TOL, `max top-10 logit difference ${d}`);
        const n = p.prompt_ids.length;
        const last = tf.logits.subarray((n - 1) * tf.vocab, n * tf.vocab);
        const dl = maxAbsDiff(last, p.last_logits);
        assert.ok(dl <= TOL, `max last-logit difference ${dl}`);
      });
      test(`${p.name}: greedy continuation through the KV cache`, async () => {
        const m = await get();
        assert.deepEqual(greedy(m, p.prompt_ids, p.n_greedy), p.greedy_ids);
      });
    }
  });
}
