// Quantized models against llama.cpp's goldens. llama.cpp quantizes activations to Q8 blocks
// with its SIMD rounding, so logits differ slightly (README §2.4); checked, teacher-forced over
// the prompt and the golden greedy ids: top-1 agreement ≥ 98% of positions, cosine similarity of
// the last-position logits ≥ 0.999, every golden top-10 logit within the README tolerance.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { JsBackend } from '../backend/js/index.js';
import { sharedPath, skipUnlessShared } from '../testing/shared.js';
import {
  cosine,
  maxAbsDiff,
  maxTop10Diff,
  readGolden,
  type TeacherForced,
  teacherForce,
  top1Agreement,
} from './golden-node.js';
import { loadModel } from './loader.js';

const CASES: [name: string, tol: number][] = [
  ['tiny-llama-q8_0', 1e-2],
  ['tiny-llama-q4_0', 1e-2],
  ['tiny-kquant-q4_k', 2.5e-2],
  ['tiny-kquant-q5_k', 2.5e-2],
  ['tiny-kquant-q6_k', 2.5e-2],
  ['tiny-kquant-q4_k_m', 2.5e-2],
];

const backend = new JsBackend();
after(() => backend.dispose());

for (const [name, tol] of CASES) {
  const skip =
    skipUnlessShared('golden', 'models', `${name}.gguf`) ||
    skipUnlessShared('golden', 'goldens', `${name}.json`);
  describe(name, { skip }, () => {
    let forced: TeacherForced[] | undefined;
    const golden = skip ? undefined : readGolden(sharedPath('golden', 'goldens', `${name}.json`)!);
    const get = async () => {
      if (forced === undefined) {
        const model = await loadModel(sharedPath('golden', 'models', `${name}.gguf`)!, { backend });
        try {
          forced = golden!.prompts.map((p) => teacherForce(model, p));
        } finally {
          model.dispose();
        }
      }
      return forced;
    };
    test(`logits within ${tol}, last-position cosine ≥ 0.999`, async () => {
      const all = await get();
      all.forEach((tf, i) => {
        const p = golden!.prompts[i]!;
        const d = maxTop10Diff(tf);
        assert.ok(d <= tol, `${p.name}: max top-10 logit difference ${d}`);
        const n = p.prompt_ids.length;
        const last = tf.logits.subarray((n - 1) * tf.vocab, n * tf.vocab);
        const c = cosine(last, p.last_logits);
        assert.ok(c >= 0.999, `${p.name}: cosine ${c}`);
        const dl = maxAbsDiff(last, p.last_logits);
        assert.ok(dl <= tol, `${p.name}: last logits differ by ${dl}`);
      });
    });
    test('top-1 agreement ≥ 98% of positions (prompt + teacher-forced greedy)', async () => {
      const all = await get();
      let agree = 0;
      let positions = 0;
      for (const tf of all) {
        agree += Math.round(top1Agreement(tf) * tf.top10.length);
        positions += tf.top10.length;
      }
      console.log(`# ${name}: top-1 agreement ${agree}/${positions}`);
      assert.ok(agree / positions >= 0.98, `top-1 agreement ${agree}/${positions}`);
    });
  });
}

describe('quantized vs F32 twin', () => {
  test('tiny-llama-q8_0 stays near the F32 model (sanity: quantization noise only)', {
    skip: skipUnlessShared('golden', 'models', 'tiny-llama-q8_0.gguf'),
  }, async () => {
    const f32 = readGolden(sharedPath('golden', 'goldens', 'tiny-llama-f32.json')!);
    const model = await loadModel(sharedPath('golden', 'models', 'tiny-llama-q8_0.gguf')!, { backend });
    try {
      const p = f32.prompts[0]!;
      const s = model.newSession();
      const last = s.forward(p.prompt_ids, 'last');
      // README: the Q8_0 golden differs from the F32 golden by up to 2.1e-2 on the last logits.
      assert.ok(maxAbsDiff(last, p.last_logits) < 5e-2);
      assert.ok(maxAbsDiff(last, p.last_logits) > 0, 'the Q8_0 weights must actually be used');
      s.dispose();
    } finally {
      model.dispose();
    }
  });
});
