import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openFileSource } from '../io/byte-source-node.js';
import { getU32, readGguf, readTensorData } from '../io/gguf/index.js';
import { parseQuantTarget, type TensorPlan } from '../jobs/quantize.js';
import { quantizeFile } from '../jobs/quantize-node.js';
import { GgmlType, typeName, typeTraits } from '../tensor/dtype.js';
import { sharedPath, skipUnlessShared } from '../testing/shared.js';
import { writeDequantized } from './quant-types-dequant.js';
import { groupDecisions, layerRanges, markdownTable, pplDelta, typeDecisions } from './quant-types-table.js';

const S260 = ['golden', 'models', 'stories260K.gguf'];

function written(path: string) {
  const src = openFileSource(path);
  try {
    return readGguf(src).tensors.map((t) => ({ name: t.name, type: t.type, shape: t.shape }));
  } finally {
    src.close();
  }
}

test('layerRanges collapses consecutive layers', () => {
  assert.equal(layerRanges([4, 0, 1, 2, 8, 7, 2]), '0-2,4,7-8');
  assert.equal(layerRanges([3]), '3');
  assert.equal(layerRanges([]), '');
});

test('pplDelta is relative to the reference', () => {
  const d = pplDelta(7.5, 6.0)!;
  assert.ok(Math.abs(d.abs - 1.5) < 1e-12);
  assert.ok(Math.abs(d.pct - 25) < 1e-12);
  assert.equal(pplDelta(7.5, undefined), undefined);
  assert.equal(pplDelta(undefined, 6), undefined);
});

test('stories260K (dim 64, FFN 172): fallbacks read from the written file match the plan and the block sizes', {
  skip: skipUnlessShared(...S260),
}, () => {
  const model = sharedPath(...S260)!;
  const dir = mkdtempSync(join(tmpdir(), 'llmts-qt-test-'));
  try {
    for (const [name, pure] of [
      ['q4_0', false],
      ['q4_k_m', false],
      ['q6_k', true],
    ] as const) {
      const out = join(dir, `${name}.gguf`);
      const res = quantizeFile(model, out, { type: name, pure });
      const target = parseQuantTarget(name).type;
      const files = written(out);
      const { decisions, mismatches } = typeDecisions(target, files, res.tensors);
      assert.deepEqual(mismatches, [], `${name}: file and plan agree`);
      const byName = new Map(decisions.map((d) => [d.name, d]));
      const blk = typeTraits(target).blockSize;
      for (const t of files) {
        const rowLen = t.shape[0]!;
        const w = t.name.endsWith('.weight') && t.shape.length >= 2 && t.shape[1]! > 1;
        if (!w) continue;
        // Every written type must fit the rows; a row that does not fit the target forces a fallback.
        assert.equal(
          rowLen % typeTraits(t.type).blockSize,
          0,
          `${name}: ${t.name} rows fit ${typeName(t.type)}`,
        );
        if (rowLen % blk !== 0) {
          assert.notEqual(t.type, target, `${name}: ${t.name} cannot be ${typeName(target)}`);
          assert.equal(byName.get(t.name)?.kind, 'fallback', `${name}: ${t.name} reported as a fallback`);
        }
        // 172 is no multiple of 32 (the smallest quantized block): FFN down rows can only be F16.
        if (rowLen === 172) assert.equal(t.type, GgmlType.F16, `${name}: ${t.name}`);
      }
      const groups = groupDecisions(decisions);
      const down = groups.find((g) => g.tensors.endsWith('.ffn_down.weight'));
      assert.equal(down?.tensors, 'blk.{0-4}.ffn_down.weight', `${name}: the 5 ffn_down form one group`);
      assert.equal(down?.count, 5);
      assert.equal(
        groups.reduce((s, g) => s + g.count, 0),
        decisions.length,
        `${name}: groups cover every decision`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('typeDecisions reports a file that disagrees with the plan', { skip: skipUnlessShared(...S260) }, () => {
  const model = sharedPath(...S260)!;
  const dir = mkdtempSync(join(tmpdir(), 'llmts-qt-test-'));
  try {
    const out = join(dir, 'q8_0.gguf');
    const res = quantizeFile(model, out, { type: 'q8_0' });
    const files = written(out);
    const tampered: TensorPlan[] = res.tensors.map((p) =>
      p.src.name === 'blk.0.attn_q.weight' ? { ...p, type: GgmlType.Q4_0 } : p,
    );
    const { mismatches } = typeDecisions(GgmlType.Q8_0, files, tampered);
    assert.deepEqual(mismatches, [{ name: 'blk.0.attn_q.weight', planned: 'q4_0', written: 'q8_0' }]);
    const missing = typeDecisions(GgmlType.Q8_0, files.slice(1), res.tensors).mismatches;
    assert.deepEqual(missing, [
      {
        name: files[0]!.name,
        planned: typeName(res.tensors.find((p) => p.src.name === files[0]!.name)!.type),
      },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('markdownTable: one row per file, Δ against the source row', () => {
  const table = markdownTable(
    [
      { type: 'f32', source: true, bytes: 2 ** 20, bpw: 32, ppl: 8, pplStderr: 0.5, groups: [] },
      {
        type: 'q4_0',
        source: false,
        bytes: 2 ** 19,
        bpw: 4.5,
        ppl: 10,
        groups: [
          { tensors: 'blk.{0-4}.ffn_down.weight', count: 5, type: 'f16', kind: 'fallback', note: 'x' },
        ],
      },
    ],
    { ppl: true, speed: false },
  );
  const lines = table.split('\n');
  assert.equal(lines.length, 4);
  const q4 = lines[3]!.split('|').map((c) => c.trim());
  const d = pplDelta(10, 8)!;
  assert.equal(q4[1], 'q4_0');
  assert.equal(q4[6], `+${d.abs.toFixed(4)}`);
  assert.equal(q4[7], `+${d.pct.toFixed(2)} %`);
  assert.equal(q4[8], '5');
});

test('writeDequantized: a q8_0 file decoded to F32 is the source within Q8_0 rounding', {
  skip: skipUnlessShared(...S260),
}, () => {
  const model = sharedPath(...S260)!;
  const dir = mkdtempSync(join(tmpdir(), 'llmts-qt-test-'));
  try {
    const q = join(dir, 'q8_0.gguf');
    const f = join(dir, 'q8_0-as-f32.gguf');
    quantizeFile(model, q, { type: 'q8_0', pure: true });
    writeDequantized(q, f);
    const a = openFileSource(model);
    const b = openFileSource(f);
    try {
      const ga = readGguf(a);
      const gb = readGguf(b);
      assert.equal(getU32(gb, 'general.file_type'), 0);
      assert.equal(gb.tensors.length, ga.tensors.length);
      const src = new Map(ga.tensors.map((t) => [t.name, t]));
      for (const t of gb.tensors) {
        const s = src.get(t.name)!;
        assert.deepEqual(t.shape, s.shape, t.name);
        assert.ok(t.type === GgmlType.F32 || t.type === GgmlType.F16, `${t.name} is ${typeName(t.type)}`);
        if (t.type !== GgmlType.F32) continue;
        const x = new Float32Array(readTensorData(a, s).slice().buffer);
        const y = new Float32Array(readTensorData(b, t).slice().buffer);
        // Q8_0: per 32-block scale d = max|x| / 127 stored as f16: error at most d / 2 from rounding
        // plus 127 * d * 2^-11 from the f16 scale.
        for (let i = 0; i < x.length; i += 32) {
          let m = 0;
          for (let j = i; j < i + 32 && j < x.length; j++) m = Math.max(m, Math.abs(x[j]!));
          for (let j = i; j < i + 32 && j < x.length; j++)
            assert.ok(Math.abs(x[j]! - y[j]!) <= (m / 127) * (0.5 + 127 / 2048) + 1e-7, `${t.name}[${j}]`);
        }
      }
    } finally {
      a.close();
      b.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
