// CausalLM.embed: the final-norm hidden states are what the LM head turns into llama.cpp's golden
// logits (logits = hidden · Wᵀ, computed here in float64 from the file's own output matrix).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { JsBackend } from '../backend/js/index.js';
import { openFileSource } from '../io/byte-source-node.js';
import { findTensor, readGguf, readTensorData } from '../io/gguf/index.js';
import { GgmlType } from '../tensor/dtype.js';
import { sharedPath, skipUnlessShared } from '../testing/shared.js';
import { readGolden } from './golden-node.js';
import { loadModel } from './loader.js';

const MODEL = ['golden', 'models', 'tiny-llama-f32.gguf'] as const;
const GOLDEN = ['golden', 'goldens', 'tiny-llama-f32.json'] as const;
const skip = skipUnlessShared(...MODEL) || skipUnlessShared(...GOLDEN);

/** The LM head matrix [vocab, dim] as f32 (output.weight, or token_embd.weight when tied). */
function headMatrix(path: string): { w: Float32Array; vocab: number; dim: number } {
  const src = openFileSource(path);
  try {
    const g = readGguf(src);
    const t = findTensor(g, 'output.weight') ?? findTensor(g, 'token_embd.weight');
    assert.ok(t !== undefined);
    assert.equal(t.type, GgmlType.F32);
    const bytes = readTensorData(src, t);
    const w = new Float32Array(bytes.buffer, bytes.byteOffset, t.elements);
    return { w: Float32Array.from(w), dim: t.shape[0]!, vocab: t.shape[1]! };
  } finally {
    src.close();
  }
}

describe('CausalLM.embed (tiny-llama-f32)', { skip }, () => {
  const backend = new JsBackend();
  after(() => backend.dispose());

  test('hidden · Wᵀ reproduces the golden logits at every prompt position', async () => {
    const model = await loadModel(sharedPath(...MODEL)!, { backend });
    try {
      const golden = readGolden(sharedPath(...GOLDEN)!);
      const { w, vocab, dim } = headMatrix(sharedPath(...MODEL)!);
      assert.equal(dim, model.info.dim);
      assert.equal(vocab, model.info.vocabSize);
      for (const p of golden.prompts) {
        const ids = p.prompt_ids;
        const h = model.embed(ids); // [T, dim]
        assert.equal(h.length, ids.length * dim);
        const logit = (t: number, v: number): number => {
          let s = 0;
          for (let d = 0; d < dim; d++) s += h[t * dim + d]! * w[v * dim + d]!;
          return s;
        };
        let worst = 0;
        p.prompt_top10.forEach((row, t) => {
          for (const [v, want] of row) worst = Math.max(worst, Math.abs(logit(t, v) - want));
        });
        const last = ids.length - 1;
        for (let v = 0; v < vocab; v++) worst = Math.max(worst, Math.abs(logit(last, v) - p.last_logits[v]!));
        assert.ok(worst <= 1e-4, `${p.name}: max logit difference ${worst}`);
      }
      // A fresh array each call, equal for equal input; the prefix's rows do not depend on the suffix.
      const ids = golden.prompts[0]!.prompt_ids;
      const a = model.embed(ids);
      const b = model.embed(ids);
      assert.notEqual(a, b);
      assert.deepEqual(a, b);
      a.fill(0);
      assert.deepEqual(model.embed(ids.slice(0, 3)), b.subarray(0, 3 * dim));
      assert.equal(model.embed([]).length, 0);
      assert.throws(() => model.embed([vocab]), /outside the vocabulary/);
    } finally {
      model.dispose();
    }
  });
});
