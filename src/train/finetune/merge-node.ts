// `llmts merge`: base model + PEFT LoRA adapter → one model (GGUF file or HF directory).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FormatError, UsageError } from '../../errors.js';
import { openFileSource } from '../../io/byte-source-node.js';
import { ggufChunks, writeGguf } from '../../io/gguf/index.js';
import { readSafetensors, readTensorBytes } from '../../io/safetensors/index.js';
import { writeFileAtomic } from '../../io/write-node.js';
import { trainedGguf, trainedHf } from '../export.js';
import { writeHfModel } from '../run-node.js';
import { loadBaseModel } from './base-node.js';
import { fromPeft, mergeAdapter } from './peft.js';
import { shapeOfParam } from './shapes.js';
import { ggufTokenizerMetadata, hfTokenizerFiles } from './tokenizer-meta-node.js';

/** Reads a PEFT adapter directory (adapter_config.json + adapter_model.safetensors). */
export function readPeftDir(dir: string): {
  config: unknown;
  tensors: Map<string, { shape: readonly number[]; data: Float32Array }>;
} {
  const cfgPath = join(dir, 'adapter_config.json');
  const stPath = join(dir, 'adapter_model.safetensors');
  if (!existsSync(cfgPath) || !existsSync(stPath)) {
    throw new UsageError(
      `${dir}: a PEFT adapter directory needs adapter_config.json and adapter_model.safetensors`,
      { field: '--adapter' },
    );
  }
  let config: unknown;
  try {
    config = JSON.parse(readFileSync(cfgPath, 'utf8'));
  } catch (err) {
    throw new FormatError(`${cfgPath}: invalid JSON (${(err as Error).message})`, { file: cfgPath });
  }
  const src = openFileSource(stPath);
  try {
    const st = readSafetensors(src);
    const tensors = new Map<string, { shape: readonly number[]; data: Float32Array }>();
    for (const t of st.tensors) {
      if (t.dtype !== 'F32')
        throw new FormatError(`${stPath}: ${t.name} is ${t.dtype}; F32 adapters are supported`, {
          file: stPath,
          field: t.name,
        });
      const bytes = readTensorBytes(src, t);
      tensors.set(t.name, { shape: t.shape, data: new Float32Array(bytes.slice().buffer) });
    }
    return { config, tensors };
  } finally {
    src.close();
  }
}

function mergedTensors(basePath: string, adapterDir: string) {
  const base = loadBaseModel(basePath);
  const peft = readPeftDir(adapterDir);
  const ad = fromPeft(base.net, peft.config, peft.tensors, adapterDir);
  const merged = mergeAdapter(base.tensors, ad);
  const shaped = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  for (const [name, data] of merged)
    shaped.set(name, { shape: shapeOfParam(name, base.net, data.length), data });
  return { base, shaped };
}

/** The merged model as an in-memory GGUF file (for serving an adapter without writing files). */
export function mergedGgufBytes(basePath: string, adapterDir: string): Uint8Array {
  const { base, shaped } = mergedTensors(basePath, adapterDir);
  return writeGguf(
    trainedGguf(base.net, shaped, ggufTokenizerMetadata(basePath), `${basePath} + ${adapterDir}`),
  );
}

export function mergeToFiles(basePath: string, adapterDir: string, out: string, force: boolean): void {
  if (existsSync(out) && !force)
    throw new UsageError(`${out} exists; pass --force to overwrite`, { field: '--out' });
  const { base, shaped } = mergedTensors(basePath, adapterDir);
  if (out.endsWith('.gguf')) {
    writeFileAtomic(
      out,
      ggufChunks(trainedGguf(base.net, shaped, ggufTokenizerMetadata(basePath), `merge of ${basePath}`)),
    );
  } else {
    writeHfModel(out, trainedHf(base.net, shaped), hfTokenizerFiles(basePath));
  }
}
