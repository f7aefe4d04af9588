// Node side of `llmts init`: tokenizer metadata from a file, then a streaming atomic GGUF write.
import { existsSync, readFileSync } from 'node:fs';
import { FormatError, UsageError } from '../errors.js';
import { openFileSource } from '../io/byte-source-node.js';
import { readGguf } from '../io/gguf/index.js';
import { fileTypeOf, ggufModelMeta } from './convert-meta.js';
import {
  copyTokenizerMeta,
  ggufMetaFromHfJson,
  type MetaEntry,
  placeholderVocabMeta,
} from './convert-tokenizer.js';
import { ggufFileChunks, writeFileAtomic } from './convert-write-node.js';
import { PRESETS, planInit } from './init.js';

export interface InitOptions {
  arch: string;
  preset: string;
  dtype: string;
  seed: number;
  out: string;
  tokenizer?: string;
  force?: boolean;
  onTensor?: (done: number, total: number, name: string) => void;
}

function tokenizerMeta(path: string): MetaEntry[] {
  if (!existsSync(path)) throw new UsageError(`tokenizer not found: ${path}`, { file: path });
  if (path.toLowerCase().endsWith('.gguf')) {
    const src = openFileSource(path);
    try {
      return copyTokenizerMeta(readGguf(src));
    } finally {
      src.close();
    }
  }
  const parse = (p: string) => {
    try {
      return JSON.parse(readFileSync(p, 'utf8')) as unknown;
    } catch (e) {
      throw new FormatError(`${p}: invalid JSON: ${(e as Error).message}`, { file: p, cause: e });
    }
  };
  const cfgPath = path.replace(/tokenizer\.json$/, 'tokenizer_config.json');
  const cfg = cfgPath !== path && existsSync(cfgPath) ? parse(cfgPath) : undefined;
  return ggufMetaFromHfJson(parse(path), cfg, path);
}

/** Writes the random model; returns its tensor count and parameter count. */
export function initModel(o: InitOptions): { tensors: number; params: number } {
  if (!o.out.toLowerCase().endsWith('.gguf'))
    throw new UsageError(`--out must name a .gguf file (got ${o.out})`, { field: '--out' });
  if (existsSync(o.out) && !o.force)
    throw new UsageError(`${o.out} exists (use --force to overwrite)`, { file: o.out });
  let tok: MetaEntry[] | undefined;
  let vocab: number | undefined;
  if (o.tokenizer !== undefined) {
    tok = tokenizerMeta(o.tokenizer);
    const tokens = tok.find(([k]) => k === 'tokenizer.ggml.tokens');
    if (tokens === undefined)
      throw new UsageError(`${o.tokenizer}: no tokenizer vocabulary inside`, { file: o.tokenizer });
    const v = tokens[1].value;
    if (typeof v !== 'object' || !Array.isArray(v.values)) {
      throw new FormatError(`${o.tokenizer}: tokenizer.ggml.tokens is not a string array`, {
        file: o.tokenizer,
      });
    }
    vocab = v.values.length;
  }
  const plan = planInit(o.arch, o.preset, o.dtype, o.seed, vocab);
  tok ??= placeholderVocabMeta(plan.config.vocabSize);
  const types = plan.tensors.filter((t) => t.shape.length === 2).map((t) => t.type);
  const meta = [
    ...ggufModelMeta(
      plan.family,
      plan.config,
      `${o.preset} (random init, seed ${o.seed})`,
      fileTypeOf(types),
    ),
    ...tok,
  ];
  const total = plan.tensors.length;
  const tensors = plan.tensors.map((t, i) => ({
    ...t,
    produce: () => {
      const d = t.produce();
      o.onTensor?.(i + 1, total, t.name);
      return d;
    },
  }));
  writeFileAtomic(o.out, ggufFileChunks(meta, tensors));
  let params = 0;
  for (const t of plan.tensors) params += t.shape.reduce((a, b) => a * b, 1);
  return { tensors: total, params };
}

export const PRESET_NAMES = Object.keys(PRESETS);
