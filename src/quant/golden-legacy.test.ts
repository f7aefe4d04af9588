// Byte-exactness against llama-quantize: Q8_0 and Q4_0 quantization of tiny-llama-f32 must give
// exactly the tensors of the golden tiny-llama-{q8_0,q4_0}.gguf (llama.cpp c392e50).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GgmlType, typeName } from '../tensor/dtype.js';
import { sharedPath, skipUnlessShared } from '../testing/shared.js';
import { checkAgainstGolden, loadGguf, summary } from './golden-check-node.js';

// gguf-py's measured worst relative RMS error of these files (golden README §1.5), +10 %.
const GGUF_PY_WORST: ReadonlyMap<GgmlType, number> = new Map([
  [GgmlType.Q8_0, 0.0055 * 1.1],
  [GgmlType.Q4_0, 0.087 * 1.1],
]);

for (const [file, type] of [
  ['tiny-llama-q8_0.gguf', GgmlType.Q8_0],
  ['tiny-llama-q4_0.gguf', GgmlType.Q4_0],
] as const) {
  test(`${file}: every tensor byte-identical`, { skip: skipUnlessShared('golden', 'models', file) }, () => {
    const src = loadGguf(sharedPath('golden', 'models', 'tiny-llama-f32.gguf')!);
    const quant = loadGguf(sharedPath('golden', 'models', file)!);
    const checks = checkAgainstGolden(src, quant);
    assert.equal(checks.length, 39);
    assert.equal(checks.filter((c) => c.type === type).length, 30);
    for (const c of checks) {
      assert.ok(c.identical, `${c.name} (${typeName(c.type)}): ${c.diffBytes} bytes differ`);
      if (c.type === type)
        assert.ok(c.relRmse < GGUF_PY_WORST.get(type)!, `${c.name}: relative RMSE ${c.relRmse}`);
    }
    assert.equal(summary(checks), `${typeName(type)} 30/30`);
  });
}
