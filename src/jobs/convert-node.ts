// The `llmts convert IN OUT` job: GGUF ⇄ Hugging Face (safetensors + config.json [+ tokenizer.json]),
// also from a llama2.c `.bin`. OUT ending in `.gguf` writes GGUF; anything else is an HF directory.
// Streaming (one tensor in memory at a time) and atomic (temp file + rename) per output file.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { FormatError, UsageError } from '../errors.js';
import { encodeUtf8 } from '../io/utf8.js';
import { nodeFs } from '../models/fs-node.js';
import { openCheckpoint } from '../models/loader.js';
import { fileTypeOf, ggufModelMeta } from './convert-meta.js';
import { toGgufTensors, toHfTensors } from './convert-tensors.js';
import {
  copyTokenizerMeta,
  ggufMetaFromHfJson,
  hfJsonFromGguf,
  type MetaEntry,
} from './convert-tokenizer.js';
import { ggufFileChunks, safetensorsFileChunks, writeFileAtomic } from './convert-write-node.js';

export interface ConvertOptions {
  force?: boolean;
  /** Progress callback: tensors done / total. */
  onTensor?: (done: number, total: number, name: string) => void;
}

export interface ConvertResult {
  format: 'gguf' | 'hf';
  tensors: number;
  files: string[];
  /** Notes for the user (e.g. a tokenizer that could not be exported). */
  notes: string[];
}

function readJsonFile(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new FormatError(`${path}: invalid JSON: ${(e as Error).message}`, { file: path, cause: e });
  }
}

function jsonBytes(v: unknown): Uint8Array {
  return encodeUtf8(`${JSON.stringify(v, null, 2)}\n`);
}

function withProgress<T extends { name: string; produce(): Uint8Array }>(ts: T[], o: ConvertOptions): T[] {
  return ts.map((t, i) => ({
    ...t,
    produce: () => {
      const d = t.produce();
      o.onTensor?.(i + 1, ts.length, t.name);
      return d;
    },
  }));
}

export function convertModel(input: string, output: string, o: ConvertOptions = {}): ConvertResult {
  if (!existsSync(input)) throw new UsageError(`input not found: ${input}`, { file: input });
  const toGguf = output.toLowerCase().endsWith('.gguf');
  const oc = openCheckpoint(nodeFs, input);
  try {
    const notes: string[] = [];
    if (toGguf) {
      if (existsSync(output) && !o.force)
        throw new UsageError(`${output} exists (use --force to overwrite)`, { file: output });
      if (oc.gguf !== undefined) notes.push('input is already GGUF: tensors are rewritten unchanged');
      const tensors = withProgress(toGgufTensors(oc), o);
      let tok: MetaEntry[] = [];
      if (oc.gguf !== undefined) tok = copyTokenizerMeta(oc.gguf);
      else {
        const dir = statSync(input).isDirectory() ? input : join(input, '..');
        const tj = join(dir, 'tokenizer.json');
        const tc = join(dir, 'tokenizer_config.json');
        if (oc.ckpt.format === 'hf' && existsSync(tj)) {
          tok = ggufMetaFromHfJson(readJsonFile(tj), existsSync(tc) ? readJsonFile(tc) : undefined, tj);
        } else notes.push('no tokenizer.json found: the GGUF has no tokenizer metadata');
      }
      const name = basename(input).replace(/\.(gguf|bin)$/i, '');
      const meta = [
        ...ggufModelMeta(
          oc.family,
          oc.config,
          name,
          fileTypeOf(tensors.filter((t) => t.shape.length === 2).map((t) => t.type)),
        ),
        ...tok,
      ];
      writeFileAtomic(output, ggufFileChunks(meta, tensors));
      return { format: 'gguf', tensors: tensors.length, files: [output], notes };
    }
    if (oc.ckpt.format === 'hf')
      throw new UsageError(`${input} is already a Hugging Face model; give an OUT ending in .gguf`);
    if (existsSync(output)) {
      if (!statSync(output).isDirectory())
        throw new UsageError(`${output} exists and is not a directory`, { file: output });
      if (readdirSync(output).length > 0 && !o.force) {
        throw new UsageError(`${output} is not empty (use --force to overwrite)`, { file: output });
      }
    } else mkdirSync(output, { recursive: true });
    const { tensors, tied } = toHfTensors(oc);
    const cfg = { ...oc.family.hfConfig(oc.config), tie_word_embeddings: tied };
    // The tokenizer is built (and its metadata checked) before any file is written.
    const tok = oc.gguf !== undefined ? hfJsonFromGguf(oc.gguf) : undefined;
    const files = [join(output, 'model.safetensors'), join(output, 'config.json')];
    writeFileAtomic(files[0]!, safetensorsFileChunks(withProgress(tensors, o), { format: 'pt' }));
    writeFileAtomic(files[1]!, [jsonBytes(cfg)]);
    if (tok !== undefined) {
      files.push(join(output, 'tokenizer.json'), join(output, 'tokenizer_config.json'));
      writeFileAtomic(files[2]!, [jsonBytes(tok.tokenizer)]);
      writeFileAtomic(files[3]!, [jsonBytes(tok.config)]);
    } else notes.push('tokenizer.json not written (no exact tokenizer.json export for this vocabulary)');
    return { format: 'hf', tensors: tensors.length, files, notes };
  } finally {
    oc.close();
  }
}
