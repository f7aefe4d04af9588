// Byte-exactness against llama-quantize for the K-quants: quantize_row_q{4,5,6}_K_ref of each
// tiny-kquant-f32 tensor must give exactly the tensors of the golden --pure files (c392e50).
// (The Q4_K_M mixture file is checked whole by the quantize job's test.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GgmlType, typeName } from '../tensor/dtype.js';
import { sharedPath, skipUnlessShared } from '../testing/shared.js';
import { checkAgainstGolden, loadGguf, summary } from './golden-check-node.js';

const GGUF_PY_WORST: ReadonlyMap<GgmlType, number> = new Map([
  [GgmlType.Q4_K, 0.072 * 1.1],
  [GgmlType.Q5_K, 0.036 * 1.1],
  [GgmlType.Q6_K, 0.018 * 1.1],
]);

for (const [file, type] of [
  ['tiny-kquant-q4_k.gguf', GgmlType.Q4_K],
  ['tiny-kquant-q5_k.gguf', GgmlType.Q5_K],
  ['tiny-kquant-q6_k.gguf', GgmlType.Q6_K],
] as const) {
  test(`${file}: every tensor byte-identical`, { skip: skipUnlessShared('golden', 'models', file) }, () => {
    const src = loadGguf(sharedPath('golden', 'models', 'tiny-kquant-f32.gguf')!);
    const quant = loadGguf(sharedPath('golden', 'models', file)!);
    const checks = checkAgainstGolden(src, quant);
    assert.equal(checks.length, 20);
    for (const c of checks) {
      assert.ok(c.identical, `${c.name} (${typeName(c.type)}): ${c.diffBytes} bytes differ`);
      if (c.type === type)
        assert.ok(c.relRmse < GGUF_PY_WORST.get(type)!, `${c.name}: relative RMSE ${c.relRmse}`);
    }
    assert.equal(summary(checks), `${typeName(type)} 15/15`);
  });
}
