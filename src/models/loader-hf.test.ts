// HF directories beyond the single F32 file: a sharded checkpoint (model.safetensors.index.json)
// with F16 and BF16 shards, and a missing config.json / index shard.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { JsBackend } from '../backend/js/index.js';
import { FormatError } from '../errors.js';
import { MemorySource } from '../io/byte-source.js';
import { readSafetensors, type SafetensorsDtype, writeSafetensors } from '../io/safetensors/index.js';
import { f32ToBf16, f32ToF16 } from '../quant/index.js';
import { sharedPath, skipUnlessShared } from '../testing/shared.js';
import { cosine, readGolden } from './golden-node.js';
import { loadModel } from './loader.js';

const dir = mkdtempSync(join(tmpdir(), 'llmts-hf-'));
const backend = new JsBackend();
after(() => {
  rmSync(dir, { recursive: true, force: true });
  backend.dispose();
});
const TWIN = ['golden', 'models', 'tiny-qwen2-hf'];

function half(data: Uint8Array, conv: (x: number) => number): Uint8Array {
  const f = new Float32Array(data.slice().buffer);
  const h = new Uint16Array(f.length);
  for (let i = 0; i < f.length; i++) h[i] = conv(f[i]!);
  return new Uint8Array(h.buffer);
}

test('sharded F16 + BF16 checkpoint loads and tracks the F32 golden', {
  skip: skipUnlessShared(...TWIN),
}, async () => {
  const src = new MemorySource(new Uint8Array(readFileSync(join(sharedPath(...TWIN)!, 'model.safetensors'))));
  const st = readSafetensors(src);
  const out = join(dir, 'sharded');
  mkdirSync(out);
  copyFileSync(join(sharedPath(...TWIN)!, 'config.json'), join(out, 'config.json'));
  const shards: { name: string; dtype: SafetensorsDtype; shape: number[]; data: Uint8Array }[][] = [[], []];
  const weightMap: Record<string, string> = {};
  st.tensors.forEach((t, i) => {
    const k = i % 2;
    const raw = src.read(t.offset, t.byteLength);
    const dtype: SafetensorsDtype = k === 0 ? 'F16' : 'BF16';
    shards[k]!.push({
      name: t.name,
      dtype,
      shape: [...t.shape],
      data: half(raw, k === 0 ? f32ToF16 : f32ToBf16),
    });
    weightMap[t.name] = `model-0000${k + 1}-of-00002.safetensors`;
  });
  shards.forEach((s, k) => {
    writeFileSync(join(out, `model-0000${k + 1}-of-00002.safetensors`), writeSafetensors(s));
  });
  writeFileSync(
    join(out, 'model.safetensors.index.json'),
    JSON.stringify({ metadata: {}, weight_map: weightMap }),
  );

  const g = readGolden(sharedPath('golden', 'goldens', 'tiny-qwen2-f32.json')!);
  const model = await loadModel(out, { backend });
  try {
    for (const p of g.prompts) {
      const last = model.newSession().forward(p.prompt_ids, 'last');
      const c = cosine(last, p.last_logits);
      assert.ok(c > 0.999, `${p.name}: cosine ${c}`);
    }
  } finally {
    model.dispose();
  }

  // A shard that the index names but that is missing: a typed error, not a crash.
  rmSync(join(out, 'model-00002-of-00002.safetensors'));
  await assert.rejects(loadModel(out, { backend }), FormatError);
});

test('a safetensors directory without config.json is a FormatError', {
  skip: skipUnlessShared(...TWIN),
}, async () => {
  const out = join(dir, 'noconfig');
  mkdirSync(out);
  copyFileSync(join(sharedPath(...TWIN)!, 'model.safetensors'), join(out, 'model.safetensors'));
  await assert.rejects(loadModel(out, { backend }), FormatError);
  await assert.rejects(loadModel(join(out, 'model.safetensors'), { backend }), FormatError);
});

test('GPT-2 checkpoints without the transformer. prefix load the same', {
  skip:
    skipUnlessShared('golden', 'models', 'tiny-gpt2-hf') ||
    skipUnlessShared('golden', 'models', 'tiny-gpt2-f32.gguf'),
}, async () => {
  const twin = sharedPath('golden', 'models', 'tiny-gpt2-hf')!;
  const src = new MemorySource(new Uint8Array(readFileSync(join(twin, 'model.safetensors'))));
  const st = readSafetensors(src);
  const out = join(dir, 'gpt2-noprefix');
  mkdirSync(out);
  copyFileSync(join(twin, 'config.json'), join(out, 'config.json'));
  const tensors = st.tensors.map((t) => ({
    name: t.name.replace(/^transformer\./, ''),
    dtype: t.dtype,
    shape: [...t.shape],
    data: src.read(t.offset, t.byteLength),
  }));
  assert.ok(tensors.every((t) => !t.name.startsWith('transformer.')));
  writeFileSync(join(out, 'model.safetensors'), writeSafetensors(tensors));
  const ids = [464, 2068, 1379, 675, 277];
  const a = await loadModel(out, { backend });
  const b = await loadModel(sharedPath('golden', 'models', 'tiny-gpt2-f32.gguf')!, { backend });
  try {
    const x = Float32Array.from(a.newSession().forward(ids, 'last'));
    const y = b.newSession().forward(ids, 'last');
    // config.json's eps is the double 1e-5, GGUF's the f32 nearest to it: last-bit effects only.
    for (let i = 0; i < x.length; i++) assert.ok(Math.abs(x[i]! - y[i]!) < 1e-6, `logit ${i}`);
  } finally {
    a.dispose();
    b.dispose();
  }
});
