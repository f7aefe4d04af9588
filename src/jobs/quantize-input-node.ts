// Inputs of the quantize job (Node-only): a GGUF file as llama-quantize reads it, or a Hugging
// Face directory (config.json + safetensors [+ tokenizer.json]) converted on the fly with the
// convert job's HF→GGUF mapping (names, Q/K permutation, metadata), one tensor at a time.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { FormatError, UsageError } from '../errors.js';
import { openFileSource } from '../io/byte-source-node.js';
import { type GgufKv, readGguf, readTensorData } from '../io/gguf/index.js';
import { nodeFs } from '../models/fs-node.js';
import { openCheckpoint } from '../models/loader.js';
import { ggufModelMeta } from './convert-meta.js';
import { toGgufTensors } from './convert-tensors.js';
import { ggufMetaFromHfJson } from './convert-tokenizer.js';
import type { QuantizeSource, SourceTensor } from './quantize.js';

export interface QuantizeInput extends QuantizeSource {
  readonly tensors: readonly (SourceTensor & { read(): Uint8Array })[];
  /** Size of the input in bytes (tensor data for HF inputs). */
  readonly size: number;
  close(): void;
}

function cannotOpen(path: string, e: unknown): never {
  if (e instanceof FormatError || e instanceof UsageError) throw e;
  const why = e instanceof Error ? e.message : String(e);
  throw new UsageError(`cannot open ${path}: ${why}`, { field: 'in', file: path, cause: e });
}

function openGguf(path: string): QuantizeInput {
  let src: ReturnType<typeof openFileSource>;
  try {
    src = openFileSource(path);
  } catch (e) {
    cannotOpen(path, e);
  }
  try {
    const g = readGguf(src);
    return {
      file: g.file,
      metadata: g.metadata,
      size: src.size,
      tensors: g.tensors.map((t) => ({ ...t, read: () => readTensorData(src, t) })),
      close: () => src.close(),
    };
  } catch (e) {
    src.close();
    throw e;
  }
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new FormatError(`${path}: invalid JSON: ${e instanceof Error ? e.message : String(e)}`, {
      file: path,
      cause: e,
    });
  }
}

function openHf(dir: string): QuantizeInput {
  const oc = openCheckpoint(nodeFs, dir);
  try {
    const tensors = toGgufTensors(oc).map((t) => ({
      name: t.name,
      type: t.type,
      shape: t.shape,
      elements: t.shape.reduce((a, b) => a * b, 1),
      byteLength: t.byteLength,
      read: () => t.produce(),
    }));
    const meta: [string, GgufKv][] = ggufModelMeta(oc.family, oc.config, basename(dir), 0);
    const tj = join(dir, 'tokenizer.json');
    const tc = join(dir, 'tokenizer_config.json');
    if (existsSync(tj))
      meta.push(...ggufMetaFromHfJson(readJson(tj), existsSync(tc) ? readJson(tc) : undefined, tj));
    return {
      file: dir,
      metadata: new Map(meta),
      size: tensors.reduce((s, t) => s + t.byteLength, 0),
      tensors,
      close: () => oc.close(),
    };
  } catch (e) {
    oc.close();
    throw e;
  }
}

/** Opens a GGUF file or a Hugging Face model directory for quantization. */
export function openQuantizeInput(path: string): QuantizeInput {
  let dir = false;
  try {
    dir = statSync(path).isDirectory();
  } catch (e) {
    cannotOpen(path, e);
  }
  if (dir) return openHf(path);
  if (path.toLowerCase().endsWith('.safetensors')) {
    throw new UsageError(`give the model directory (with config.json), not ${path}`, {
      field: 'in',
      file: path,
    });
  }
  return openGguf(path);
}
