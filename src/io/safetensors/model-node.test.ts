import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FormatError } from '../../errors.js';
import { writeFileAtomic } from '../write-node.js';
import { readTensorBytes } from './index.js';
import { openSafetensorsModel } from './model-node.js';
import { safetensorsChunks } from './write.js';

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'llmts-st-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true });
  }
}

const t = (name: string, v: number) => ({
  name,
  dtype: 'U8' as const,
  shape: [3],
  data: new Uint8Array(3).fill(v),
});

test('sharded model: tensors from every shard, checked against the index', () => {
  withDir((dir) => {
    writeFileAtomic(join(dir, 'a.safetensors'), safetensorsChunks([t('x', 1), t('y', 2)]));
    writeFileAtomic(join(dir, 'b.safetensors'), safetensorsChunks([t('z', 3)]));
    const index = {
      metadata: {},
      weight_map: { x: 'a.safetensors', y: 'a.safetensors', z: 'b.safetensors' },
    };
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify(index));
    const m = openSafetensorsModel(dir);
    try {
      assert.deepEqual([...m.tensors.keys()].sort(), ['x', 'y', 'z']);
      const z = m.tensors.get('z')!;
      assert.deepEqual([...readTensorBytes(z.src, z.info)], [3, 3, 3]);
    } finally {
      m.close();
    }
    // An index naming a tensor that its shard lacks, or mapping to the wrong shard.
    writeFileSync(
      join(dir, 'model.safetensors.index.json'),
      JSON.stringify({ weight_map: { ...index.weight_map, w: 'b.safetensors' } }),
    );
    assert.throws(
      () => openSafetensorsModel(dir),
      (e: unknown) => e instanceof FormatError && e.field === 'w',
    );
    writeFileSync(
      join(dir, 'model.safetensors.index.json'),
      JSON.stringify({ weight_map: { x: 'a.safetensors', y: 'b.safetensors', z: 'b.safetensors' } }),
    );
    assert.throws(() => openSafetensorsModel(dir), /not mapped to this shard/);
    writeFileSync(
      join(dir, 'model.safetensors.index.json'),
      JSON.stringify({ weight_map: { x: '../a.safetensors' } }),
    );
    assert.throws(() => openSafetensorsModel(dir), /not a plain file name/);
  });
});

test('single-file model, and PKL-01 pickle-only folders', () => {
  withDir((dir) => {
    writeFileAtomic(join(dir, 'model.safetensors'), safetensorsChunks([t('x', 1)]));
    const m = openSafetensorsModel(dir);
    assert.equal(m.tensors.size, 1);
    m.close();
    assert.equal(readFileSync(join(dir, 'model.safetensors')).length % 8, 3); // 3 data bytes after an 8-aligned header
  });
  withDir((dir) => {
    writeFileSync(join(dir, 'pytorch_model.bin'), new Uint8Array([0x50, 0x4b, 3, 4]));
    assert.throws(
      () => openSafetensorsModel(dir),
      /pickle formats are not supported; convert to safetensors/,
    );
  });
  withDir((dir) => {
    assert.throws(() => openSafetensorsModel(dir), /no model\.safetensors/);
  });
});
