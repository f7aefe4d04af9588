// The product path: every golden model on the WASM backend (createBackend), teacher-forced over
// prompt + greedy ids. F32 within 1e-5 of llama.cpp with identical greedy decisions; quantized
// within the README tolerance with ≥ 98% top-1 agreement.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Backend } from '../backend/backend.js';
import { createBackend } from '../backend/create.js';
import { sharedPath, skipUnlessShared } from '../testing/shared.js';
import { greedy, maxTop10Diff, readGolden, teacherForce, top1Agreement } from './golden-node.js';
import { loadModel } from './loader.js';

const CASES: [model: string, golden: string, tol: number, minTop1: number][] = [
  ['tiny-llama-f32', 'tiny-llama-f32', 1e-5, 1],
  ['tiny-qwen2-f32', 'tiny-qwen2-f32', 1e-5, 1],
  ['tiny-gpt2-f32', 'tiny-gpt2-f32.exact-gelu', 1e-5, 1],
  ['tiny-kquant-f32', 'tiny-kquant-f32', 1e-5, 1],
  ['stories260K', 'stories260K', 5e-5, 1],
  ['tiny-llama-q8_0', 'tiny-llama-q8_0', 1e-2, 0.98],
  ['tiny-llama-q4_0', 'tiny-llama-q4_0', 1e-2, 0.98],
  ['tiny-kquant-q4_k', 'tiny-kquant-q4_k', 2.5e-2, 0.98],
  ['tiny-kquant-q5_k', 'tiny-kquant-q5_k', 2.5e-2, 0.98],
  ['tiny-kquant-q6_k', 'tiny-kquant-q6_k', 2.5e-2, 0.98],
  ['tiny-kquant-q4_k_m', 'tiny-kquant-q4_k_m', 2.5e-2, 0.98],
];

let backend: Backend | undefined;
before(async () => {
  backend = await createBackend({ kind: 'auto', threads: 2 });
});
after(() => backend?.dispose());

for (const [model, golden, tol, minTop1] of CASES) {
  const skip =
    skipUnlessShared('golden', 'models', `${model}.gguf`) ||
    skipUnlessShared('golden', 'goldens', `${golden}.json`);
  test(`${model} on the default backend`, { skip }, async () => {
    const g = readGolden(sharedPath('golden', 'goldens', `${golden}.json`)!);
    const m = await loadModel(sharedPath('golden', 'models', `${model}.gguf`)!, { backend: backend! });
    try {
      let agree = 0;
      let n = 0;
      for (const p of g.prompts) {
        const tf = teacherForce(m, p);
        const d = maxTop10Diff(tf);
        assert.ok(d <= tol, `${p.name}: max top-10 difference ${d} (backend ${backend!.name})`);
        agree += Math.round(top1Agreement(tf) * tf.top10.length);
        n += tf.top10.length;
        if (minTop1 === 1) assert.deepEqual(greedy(m, p.prompt_ids, p.n_greedy), p.greedy_ids);
      }
      assert.ok(agree / n >= minTop1, `top-1 agreement ${agree}/${n}`);
    } finally {
      m.dispose();
    }
  });
}
