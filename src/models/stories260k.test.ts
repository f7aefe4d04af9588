// stories260K (a real TinyStories LLaMA) gives llama.cpp's 64-token greedy continuation from the
// GGUF and from the original llama.c `.bin`; prompt ids come from the golden JSON.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { JsBackend } from '../backend/js/index.js';
import { sharedPath, skipUnlessShared } from '../testing/shared.js';
import { greedy, maxAbsDiff, maxTop10Diff, readGolden, teacherForce } from './golden-node.js';
import { loadModel } from './loader.js';

const backend = new JsBackend();
after(() => backend.dispose());
const GOLDEN = ['golden', 'goldens', 'stories260K.json'];

// Logits are ~20 in magnitude; the README's numpy cross-check differs by 5.8e-6.
const TOL = 5e-5;

for (const [label, parts] of [
  ['GGUF', ['golden', 'models', 'stories260K.gguf']],
  ['llama2.c .bin', ['data', 'models', 'stories260K', 'stories260K.bin']],
] as const) {
  test(`stories260K from ${label}: golden logits and greedy continuation`, {
    skip: skipUnlessShared(...parts) || skipUnlessShared(...GOLDEN),
  }, async () => {
    const g = readGolden(sharedPath(...GOLDEN)!);
    const model = await loadModel(sharedPath(...parts)!, { backend });
    try {
      assert.equal(model.info.vocabSize, 512);
      assert.equal(model.info.arch, 'llama');
      for (const p of g.prompts) {
        assert.deepEqual(greedy(model, p.prompt_ids, p.n_greedy), p.greedy_ids);
        const tf = teacherForce(model, p);
        assert.ok(maxTop10Diff(tf) <= TOL, `top-10 ${maxTop10Diff(tf)}`);
        const n = p.prompt_ids.length;
        assert.ok(maxAbsDiff(tf.logits.subarray((n - 1) * 512, n * 512), p.last_logits) <= TOL);
      }
    } finally {
      model.dispose();
    }
  });
}
