// Weights of a type the backend has no kernels for are dequantized to F32 at load (issue: "load
// Q4_1/Q5_0/Q5_1 …, dequantize what has no fast kernel yet"). A JS backend that pretends not to
// support Q8_0 loads the Q8_0 golden as F32 weights: the logits stay within the golden's Q8_0
// tolerance and cosine (the weights are the same numbers; only the activations are no longer
// rounded to 8 bits, so near-tie argmaxes may differ from llama.cpp's) and every matrix is F32
// in the backend. A type with no decoder at all stays an error.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Backend } from '../backend/backend.js';
import { JsBackend } from '../backend/js/index.js';
import { UnsupportedError } from '../errors.js';
import { GgmlType } from '../tensor/dtype.js';
import { sharedPath, skipUnlessShared } from '../testing/shared.js';
import { cosine, maxTop10Diff, readGolden, teacherForce } from './golden-node.js';
import { loadModel } from './loader.js';

const backends: JsBackend[] = [];
after(() => {
  for (const b of backends) b.dispose();
});

/** A JS backend minus kernels for `missing` (and a record of every weight type it was given). */
function without(missing: GgmlType | 'all'): { backend: Backend; types: GgmlType[] } {
  const types: GgmlType[] = [];
  const be = new JsBackend();
  backends.push(be);
  const supports = be.supportsWeight.bind(be);
  const alloc = be.allocWeight.bind(be);
  const upload = be.uploadWeight.bind(be);
  be.supportsWeight = (t: GgmlType) => missing !== 'all' && t !== missing && supports(t);
  be.allocWeight = (t: GgmlType, rows: number, cols: number) => {
    types.push(t);
    return alloc(t, rows, cols);
  };
  be.uploadWeight = (t: GgmlType, rows: number, cols: number, data: Uint8Array) => {
    types.push(t);
    return upload(t, rows, cols, data);
  };
  return { backend: be, types };
}

const NAME = 'tiny-llama-q8_0';
const skip =
  skipUnlessShared('golden', 'models', `${NAME}.gguf`) ||
  skipUnlessShared('golden', 'goldens', `${NAME}.json`);

test('a Q8_0 model on a backend without Q8_0 kernels loads as F32 and matches the golden', {
  skip,
}, async () => {
  const { backend, types } = without(GgmlType.Q8_0);
  const model = await loadModel(sharedPath('golden', 'models', `${NAME}.gguf`)!, { backend });
  try {
    assert.ok(types.length > 0);
    assert.ok(!types.includes(GgmlType.Q8_0), 'no weight may reach the backend as Q8_0');
    const golden = readGolden(sharedPath('golden', 'goldens', `${NAME}.json`)!);
    for (const p of golden.prompts) {
      const tf = teacherForce(model, p);
      const d = maxTop10Diff(tf);
      assert.ok(d <= 1e-2, `${p.name}: max top-10 logit difference ${d}`);
      const n = p.prompt_ids.length;
      const c = cosine(tf.logits.subarray((n - 1) * tf.vocab, n * tf.vocab), p.last_logits);
      assert.ok(c >= 0.999, `${p.name}: cosine ${c}`);
    }
  } finally {
    model.dispose();
  }
});

test('a type the backend cannot take even as F32 is an UnsupportedError naming the tensor', {
  skip,
}, async () => {
  const { backend } = without('all');
  await assert.rejects(
    loadModel(sharedPath('golden', 'models', `${NAME}.gguf`)!, { backend }),
    (e: unknown) => e instanceof UnsupportedError && /tensor '/.test(e.message),
  );
});
