// loadModel: opens the model a user has — a GGUF file, a Hugging Face directory (config.json +
// model.safetensors or a sharded index) or a llama2.c `.bin` — picks the family, maps and checks
// every tensor against the config, uploads the weights and attaches the tokenizer when one can be
// built (GGUF metadata, tokenizer.json next to safetensors, tokenizer.bin/tok512.bin next to a
// llama2.c checkpoint). File access goes through `ModelFs`, so this module stays browser-safe.
import type { Backend } from '../backend/backend.js';
import { FormatError, UsageError } from '../errors.js';
import { type ByteSource, MemorySource } from '../io/byte-source.js';
import { detectFormat, PICKLE_MESSAGE } from '../io/detect.js';
import { type Gguf, getString, readGguf } from '../io/gguf/index.js';
import { parseJson } from '../io/json/index.js';
import { readLlama2c } from '../io/llama2c/index.js';
import { parseSafetensorsIndex, readSafetensors, SAFETENSORS_INDEX_FILE } from '../io/safetensors/index.js';
import type { Tokenizer } from '../tokenizers/tokenizer.js';
import type { CausalLM } from './causal-lm.js';
import type { Checkpoint } from './common/checkpoint.js';
import type { ModelConfig } from './common/config.js';
import type { DecoderLM } from './common/decoder-lm.js';
import type { ModelFamily } from './common/family.js';
import { ggufCheckpoint } from './common/gguf-checkpoint.js';
import { hfCheckpoint } from './common/hf-checkpoint.js';
import { HfConfig } from './common/hf-config.js';
import { llama2cCheckpoint, llama2cConfig } from './common/llama2c-checkpoint.js';
import { IDENTITY, type NameMap, WeightLoader } from './common/weights.js';
import { llama } from './llama/index.js';
import { familyForGgufArch, familyForHfModelType } from './registry.js';
import { findTokenizer, tokenizerFromGgufMeta } from './tokenizer-attach.js';

/** The file access the loader needs (Node: `nodeFs` in fs-node.ts). */
export interface ModelFs {
  open(path: string): ByteSource & { close?(): void };
  /** A whole (small) file: config.json, tokenizer.json, an index. */
  readBytes(path: string): Uint8Array;
  exists(path: string): boolean;
  isDirectory(path: string): boolean;
  join(dir: string, name: string): string;
  dirname(path: string): string;
}

export interface LoadModelOptions {
  backend: Backend;
  /** File access; default: Node's file system. */
  fs?: ModelFs;
  /** The tokenizer to attach, or null for none; default: found with the model. */
  tokenizer?: Tokenizer | null;
  /** A tokenizer file to load instead of the one found with the model. */
  tokenizerPath?: string;
}

/** An opened checkpoint: family, resolved config and tensors (sources open until close()). */
export interface OpenCheckpoint {
  family: ModelFamily;
  config: ModelConfig;
  ckpt: Checkpoint;
  /** canonical → checkpoint names. */
  names: NameMap;
  /** Parsed GGUF header when the model is a GGUF file. */
  gguf?: Gguf;
  /** The directory or file the model came from. */
  path: string;
  close(): void;
}

async function defaultFs(): Promise<ModelFs> {
  // Node's file system; large weight reads into shared memory are split over two threads.
  const mod = await import('./parallel-source-node.js');
  return mod.loadFs;
}

function decodeText(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new FormatError(`${file}: not valid UTF-8`, { file });
  }
}

/** Reads and parses a JSON file through `fs`. */
export function readJson(fs: ModelFs, path: string): unknown {
  return parseJson(decodeText(fs.readBytes(path), path), path);
}

function openHfDir(fs: ModelFs, dir: string, single?: string): OpenCheckpoint {
  const cfgPath = fs.join(dir, 'config.json');
  if (!fs.exists(cfgPath)) {
    throw new FormatError(`${dir}: no config.json next to the safetensors weights`, { file: cfgPath });
  }
  const cfg = new HfConfig(readJson(fs, cfgPath), cfgPath);
  const family = familyForHfModelType(cfg.str('model_type'), cfgPath);
  const config = family.configFromHf(cfg);
  const sources: (ByteSource & { close?(): void })[] = [];
  const close = () => {
    for (const s of sources) s.close?.();
  };
  try {
    let shardNames: string[];
    const indexPath = fs.join(dir, SAFETENSORS_INDEX_FILE);
    if (single !== undefined) shardNames = [single];
    else if (fs.exists(fs.join(dir, 'model.safetensors'))) shardNames = ['model.safetensors'];
    else if (fs.exists(indexPath)) {
      shardNames = [
        ...parseSafetensorsIndex(decodeText(fs.readBytes(indexPath), indexPath), indexPath).shards,
      ];
    } else {
      throw new FormatError(`${dir}: no model.safetensors or ${SAFETENSORS_INDEX_FILE}`, { file: dir });
    }
    const files = shardNames.map((n) => {
      const shardPath = fs.join(dir, n);
      if (!fs.exists(shardPath))
        throw new FormatError(`${dir}: weight file ${n} is missing`, { file: shardPath });
      const src = fs.open(shardPath);
      sources.push(src);
      return { st: readSafetensors(src), src };
    });
    const ckpt = hfCheckpoint(files, dir);
    return { family, config, ckpt, names: family.hfNames(config), path: dir, close };
  } catch (e) {
    close();
    throw e;
  }
}

/** Opens a model file or directory and resolves its family and config (no weights uploaded). */
export function openCheckpoint(fs: ModelFs, path: string): OpenCheckpoint {
  if (fs.isDirectory(path)) return openHfDir(fs, path);
  if (!fs.exists(path)) throw new UsageError(`model not found: ${path}`, { file: path });
  const src = fs.open(path);
  try {
    return openSource(src, path, fs);
  } catch (e) {
    src.close?.();
    throw e;
  }
}

/** Opens an already opened byte source (GGUF or llama2.c; safetensors needs its directory). */
export function openSource(src: ByteSource & { close?(): void }, path: string, fs?: ModelFs): OpenCheckpoint {
  const close = () => src.close?.();
  const format = detectFormat(src);
  switch (format) {
    case 'gguf': {
      const g = readGguf(src);
      const family = familyForGgufArch(getString(g, 'general.architecture'), g.file);
      const config = family.configFromGguf(g);
      return { family, config, ckpt: ggufCheckpoint(g, src), names: IDENTITY, gguf: g, path, close };
    }
    case 'llama2c': {
      const l = readLlama2c(src);
      return {
        family: llama,
        config: llama2cConfig(l),
        ckpt: llama2cCheckpoint(l, src),
        names: IDENTITY,
        path,
        close,
      };
    }
    case 'safetensors': {
      if (fs === undefined) throw new UsageError(`${path}: a safetensors model loads from its directory`);
      close();
      const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
      return openHfDir(fs, fs.dirname(path), path.slice(slash + 1));
    }
    case 'pickle':
      throw new FormatError(`${path}: ${PICKLE_MESSAGE}`, { file: path });
    default:
      throw new FormatError(`${path}: not a GGUF, safetensors or llama2.c model file`, { file: path });
  }
}

/** Loads a model for inference on `opts.backend`. */
export async function loadModel(
  pathOrSource: string | ByteSource | Uint8Array,
  opts: LoadModelOptions,
): Promise<CausalLM> {
  const needsFs = typeof pathOrSource === 'string' || opts.tokenizerPath !== undefined;
  const fs = opts.fs ?? (needsFs ? await defaultFs() : undefined);
  let oc: OpenCheckpoint;
  if (typeof pathOrSource === 'string') oc = openCheckpoint(fs!, pathOrSource);
  else {
    const src = pathOrSource instanceof Uint8Array ? new MemorySource(pathOrSource) : pathOrSource;
    oc = openSource(src, src.name, fs);
  }
  try {
    let tokenizer: Tokenizer | undefined;
    if (opts.tokenizer !== undefined) tokenizer = opts.tokenizer ?? undefined;
    else if (opts.tokenizerPath !== undefined) tokenizer = findTokenizer(fs!, oc, opts.tokenizerPath);
    else if (oc.gguf !== undefined) tokenizer = tokenizerFromGgufMeta(oc.gguf);
    else if (fs !== undefined && typeof pathOrSource === 'string')
      tokenizer = findTokenizer(fs, oc, undefined);
    return buildFrom(oc, opts.backend, tokenizer);
  } finally {
    oc.close();
  }
}

/** Uploads an opened checkpoint's weights and assembles the model. */
export function buildFrom(oc: OpenCheckpoint, backend: Backend, tokenizer?: Tokenizer): DecoderLM {
  const loader = new WeightLoader(backend, oc.ckpt, oc.names);
  return oc.family.build(backend, loader, oc.config, tokenizer);
}
