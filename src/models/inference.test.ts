// Inference mechanics on real models (JS reference backend): KV-cache decode equals full
// recomputation, chunked prefill, 'last' vs 'all', truncate, batched sessions of different
// lengths and positions equal each run alone, and the typed errors of bad calls.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { JsBackend } from '../backend/js/index.js';
import { CapacityError, UsageError } from '../errors.js';
import { sharedPath, skipUnlessShared } from '../testing/shared.js';
import type { CausalLM } from './causal-lm.js';
import { maxAbsDiff, readGolden } from './golden-node.js';
import { loadModel } from './loader.js';

const TOL = 1e-5;
const backend = new JsBackend();
after(() => backend.dispose());

for (const name of ['tiny-llama-f32', 'tiny-gpt2-f32', 'tiny-qwen2-f32']) {
  const skip = skipUnlessShared('golden', 'models', `${name}.gguf`);
  describe(name, { skip }, () => {
    let model: CausalLM;
    let prompts: number[][] = [];
    let full: number[] = [];
    before(async () => {
      model = await loadModel(sharedPath('golden', 'models', `${name}.gguf`)!, { backend });
      const g = readGolden(sharedPath('golden', 'goldens', `${name}.json`)!);
      prompts = g.prompts.map((p) => p.prompt_ids);
      full = [...g.prompts[0]!.prompt_ids, ...g.prompts[0]!.greedy_ids.slice(0, 10)];
    });
    after(() => model?.dispose());
    const vocab = () => model.info.vocabSize;

    test('decode over the KV cache equals full recomputation', () => {
      const s = model.newSession();
      const all = Float32Array.from(s.forward(full, 'all'));
      s.reset();
      const k = 7;
      const pre = s.forward(full.slice(0, k), 'all');
      assert.ok(maxAbsDiff(pre, all.subarray(0, k * vocab())) <= TOL);
      for (let t = k; t < full.length; t++) {
        const row = s.forward([full[t]!], 'last');
        const d = maxAbsDiff(row, all.subarray(t * vocab(), (t + 1) * vocab()));
        assert.ok(d <= TOL, `position ${t}: ${d}`);
      }
      assert.equal(s.pos, full.length);
      s.dispose();
    });

    test("chunked prefill (maxBatch 5) and 'last' equal one 'all' pass", () => {
      const a = model.newSession();
      const b = model.newSession({ maxBatch: 5 });
      const all = Float32Array.from(a.forward(full, 'all'));
      const chunked = b.forward(full, 'all');
      assert.ok(maxAbsDiff(chunked, all) <= TOL);
      b.reset();
      const last = b.forward(full, 'last');
      assert.equal(last.length, vocab());
      assert.ok(maxAbsDiff(last, all.subarray((full.length - 1) * vocab())) <= TOL);
      a.dispose();
      b.dispose();
    });

    test("truncate rewinds the cache; 'none' advances without logits", () => {
      const s = model.newSession();
      const all = Float32Array.from(s.forward(full, 'all'));
      s.truncate(6);
      assert.equal(s.pos, 6);
      assert.equal(s.forward(full.slice(6, 9), 'none').length, 0);
      const rest = s.forward(full.slice(9), 'all');
      assert.ok(maxAbsDiff(rest, all.subarray(9 * vocab())) <= TOL);
      s.dispose();
    });

    test('a batch of 3 sessions of different lengths equals each run alone', () => {
      const solo = prompts.map((p) => {
        const s = model.newSession();
        const a = Float32Array.from(s.forward(p, 'last'));
        const b = Float32Array.from(s.forward([p[1]!], 'last'));
        const c = Float32Array.from(s.forward([p[2]!, p[3]!], 'last'));
        s.dispose();
        return [a, b, c];
      });
      const ss = prompts.map(() => model.newSession());
      const r1 = model.forwardBatch(ss, prompts).map((x) => Float32Array.from(x));
      // Second step: one token each; third step: sessions at different positions, uneven counts.
      const r2 = model
        .forwardBatch(
          ss,
          prompts.map((p) => [p[1]!]),
        )
        .map((x) => Float32Array.from(x));
      const r3 = model.forwardBatch(
        ss,
        prompts.map((p) => [p[2]!, p[3]!]),
      );
      prompts.forEach((p, i) => {
        assert.ok(maxAbsDiff(r1[i]!, solo[i]![0]!) <= TOL, `prefill ${i}`);
        assert.ok(maxAbsDiff(r2[i]!, solo[i]![1]!) <= TOL, `decode ${i}`);
        assert.ok(maxAbsDiff(r3[i]!, solo[i]![2]!) <= TOL, `step 3 ${i}`);
        assert.equal(ss[i]!.pos, p.length + 3);
      });
      for (const s of ss) s.dispose();
    });

    test('bad calls throw typed errors', () => {
      const s = model.newSession({ contextLength: 8 });
      assert.throws(() => s.forward([vocab()]), UsageError);
      assert.throws(() => s.forward([-1]), UsageError);
      assert.throws(() => s.forward([1.5]), UsageError);
      assert.throws(() => s.forward([]), UsageError);
      assert.throws(() => model.forwardBatch([s, s], [[1], [1]]), UsageError);
      assert.throws(() => model.forwardBatch([s], [[1], [1]]), UsageError);
      assert.throws(() => s.forward(full.slice(0, 9)), CapacityError);
      assert.equal(s.pos, 0, 'a refused call leaves the session unchanged');
      s.forward(full.slice(0, 8), 'none');
      assert.throws(() => s.forward([1]), CapacityError);
      s.dispose();
      assert.throws(() => s.forward([1]), UsageError);
      assert.throws(() => model.newSession({ contextLength: 0 }), UsageError);
    });
  });
}
