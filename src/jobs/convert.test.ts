// `llmts convert`: GGUF → HF reproduces the golden safetensors twins byte for byte (Q/K rows
// un-permuted, GPT-2 Conv1D transposed), HF → GGUF gives back the original tensors and metadata
// (tokenizer included, through tokenizer.json), llama2.c → GGUF equals llama.cpp's conversion,
// the converted models compute the same logits, and outputs are written atomically.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { JsBackend } from '../backend/js/index.js';
import { UsageError } from '../errors.js';
import { openFileSource } from '../io/byte-source-node.js';
import { type Gguf, readGguf } from '../io/gguf/index.js';
import { loadModel } from '../models/loader.js';
import { sharedPath, skipUnlessShared } from '../testing/shared.js';
import { convertModel } from './convert-node.js';

const dir = mkdtempSync(join(tmpdir(), 'llmts-convert-'));
const backend = new JsBackend();
after(() => {
  rmSync(dir, { recursive: true, force: true });
  backend.dispose();
});

function ggufOf(path: string): { g: Gguf; data: (name: string) => Uint8Array } {
  const src = openFileSource(path);
  const g = readGguf(src);
  return {
    g,
    data: (name) => {
      const t = g.tensors.find((x) => x.name === name)!;
      return src.read(t.offset, t.byteLength);
    },
  };
}

const stringify = (v: unknown) =>
  JSON.stringify(v, (_k, x) =>
    typeof x === 'bigint' ? String(x) : ArrayBuffer.isView(x) ? Array.from(x as Uint8Array) : x,
  );

for (const m of ['llama', 'qwen2', 'gpt2']) {
  const gguf = ['golden', 'models', `tiny-${m}-f32.gguf`];
  const twin = ['golden', 'models', `tiny-${m}-hf`, 'model.safetensors'];
  describe(`tiny-${m}`, { skip: skipUnlessShared(...gguf) || skipUnlessShared(...twin) }, () => {
    const hfDir = join(dir, `${m}-hf`);
    const back = join(dir, `${m}.gguf`);
    test('GGUF → HF: safetensors byte-identical to the golden twin; config.json loads', () => {
      convertModel(sharedPath(...gguf)!, hfDir);
      assert.deepEqual(readFileSync(join(hfDir, 'model.safetensors')), readFileSync(sharedPath(...twin)!));
      const mine = JSON.parse(readFileSync(join(hfDir, 'config.json'), 'utf8'));
      const gold = JSON.parse(
        readFileSync(sharedPath('golden', 'models', `tiny-${m}-hf`, 'config.json')!, 'utf8'),
      );
      for (const k of ['model_type', 'vocab_size', 'tie_word_embeddings', 'bos_token_id', 'eos_token_id']) {
        assert.deepEqual(mine[k], gold[k], k);
      }
      assert.equal(
        existsSync(join(hfDir, 'tokenizer.json')),
        m !== 'llama',
        'byte-level BPE vocabularies export',
      );
    });
    test('HF → GGUF: the original tensors and metadata come back', () => {
      convertModel(hfDir, back);
      const a = ggufOf(sharedPath(...gguf)!);
      const b = ggufOf(back);
      assert.deepEqual(
        b.g.tensors.map((t) => [t.name, t.type, t.shape]).sort(),
        a.g.tensors.map((t) => [t.name, t.type, t.shape]).sort(),
      );
      for (const t of a.g.tensors) assert.deepEqual(b.data(t.name), a.data(t.name), t.name);
      for (const [k, kv] of a.g.metadata) {
        if (k === 'general.name' || (m === 'llama' && k.startsWith('tokenizer.'))) continue;
        assert.equal(stringify(b.g.metadata.get(k)?.value), stringify(kv.value), k);
      }
    });
    test('the converted models compute the same logits', async () => {
      const ids = [1, 5, 9, 300, 2000];
      const out: Float32Array[] = [];
      for (const p of [sharedPath(...gguf)!, hfDir, back]) {
        const model = await loadModel(p, { backend });
        out.push(Float32Array.from(model.newSession().forward(ids, 'last')));
        if (m !== 'llama') assert.ok(model.tokenizer !== undefined, `${p} has a tokenizer`);
        model.dispose();
      }
      // config.json holds eps = 1e-5 as a double, GGUF as the f32 9.99999975e-6: last-bit effects.
      for (let i = 0; i < out[0]!.length; i++) assert.ok(Math.abs(out[1]![i]! - out[0]![i]!) < 1e-6);
      assert.deepEqual(out[2], out[0]);
    });
  });
}

test('llama2.c .bin → GGUF: tensors equal llama.cpp’s conversion', {
  skip:
    skipUnlessShared('data', 'models', 'stories260K', 'stories260K.bin') ||
    skipUnlessShared('golden', 'models', 'stories260K.gguf'),
}, () => {
  const out = join(dir, 'stories.gguf');
  convertModel(sharedPath('data', 'models', 'stories260K', 'stories260K.bin')!, out);
  const a = ggufOf(sharedPath('golden', 'models', 'stories260K.gguf')!);
  const b = ggufOf(out);
  // llama.cpp writes the shared classifier out as output.weight; we keep the model tied.
  for (const t of a.g.tensors) {
    if (t.name === 'output.weight') continue;
    assert.deepEqual(b.data(t.name), a.data(t.name), t.name);
  }
});

test('outputs are not overwritten without --force and no temporary file is left', {
  skip: skipUnlessShared('golden', 'models', 'tiny-llama-f32.gguf'),
}, () => {
  const out = join(dir, 'exists.gguf');
  writeFileSync(out, 'keep');
  assert.throws(() => convertModel(sharedPath('golden', 'models', 'tiny-llama-f32.gguf')!, out), UsageError);
  assert.equal(readFileSync(out, 'utf8'), 'keep');
  assert.throws(() => convertModel(join(dir, 'missing.gguf'), join(dir, 'x.gguf')), UsageError);
  const hf = join(dir, 'llama-hf');
  assert.throws(
    () => convertModel(sharedPath('golden', 'models', 'tiny-llama-f32.gguf')!, hf),
    UsageError,
    'non-empty dir',
  );
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.includes('.tmp-')),
    [],
  );
});
