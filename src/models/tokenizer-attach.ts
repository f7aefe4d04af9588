// Finds and builds the tokenizer that goes with a model, through the tokenizers/ loaders:
// GGUF metadata, tokenizer.json (+ tokenizer_config.json) next to safetensors, llama2.c
// tokenizer.bin / tok512.bin next to a `.bin` checkpoint, or a file the caller names.
import { FormatError, UnsupportedError, UsageError } from '../errors.js';
import { type Gguf, hasKey, readGguf } from '../io/gguf/index.js';
import { tokenizerFromGguf } from '../tokenizers/gguf-vocab.js';
import { tokenizerFromHfJson } from '../tokenizers/hf-json.js';
import { tokenizerFromLlama2c, tokenizerFromSentencePiece } from '../tokenizers/sentencepiece.js';
import type { Tokenizer } from '../tokenizers/tokenizer.js';
import type { ModelFs, OpenCheckpoint } from './loader.js';

/** The tokenizer stored in GGUF metadata; undefined when the file has none or an unsupported kind. */
export function tokenizerFromGgufMeta(g: Gguf): Tokenizer | undefined {
  if (!hasKey(g, 'tokenizer.ggml.model') || !hasKey(g, 'tokenizer.ggml.tokens')) return undefined;
  try {
    return tokenizerFromGguf(g);
  } catch (e) {
    if (e instanceof UnsupportedError) return undefined;
    throw e;
  }
}

/** Tokenizer files looked for next to a model, in order. */
const CANDIDATES = ['tokenizer.json', 'tokenizer.model', 'tokenizer.bin', 'tok512.bin'];

function parseJsonText(fs: ModelFs, path: string): unknown {
  const text = new TextDecoder().decode(fs.readBytes(path));
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new FormatError(`${path}: invalid JSON: ${(e as Error).message}`, { file: path, cause: e });
  }
}

function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

/** Loads one tokenizer file by its name/kind. */
export function loadTokenizerFile(fs: ModelFs, path: string): Tokenizer {
  const name = baseName(path);
  if (name.endsWith('.json')) {
    const cfgPath = fs.join(fs.dirname(path), 'tokenizer_config.json');
    const cfg = fs.exists(cfgPath) ? parseJsonText(fs, cfgPath) : undefined;
    return tokenizerFromHfJson(parseJsonText(fs, path), cfg, path);
  }
  if (name.endsWith('.gguf')) {
    const src = fs.open(path);
    try {
      const t = tokenizerFromGgufMeta(readGguf(src));
      if (t === undefined)
        throw new UsageError(`${path}: this GGUF file has no supported tokenizer`, { file: path });
      return t;
    } finally {
      src.close?.();
    }
  }
  if (name.endsWith('.model')) return tokenizerFromSentencePiece(fs.readBytes(path), path);
  if (name.endsWith('.bin')) return tokenizerFromLlama2c(fs.readBytes(path), path);
  throw new UsageError(`${path}: unknown tokenizer file (tokenizer.json, .gguf, .model or llama2.c .bin)`, {
    file: path,
  });
}

/**
 * Loads `path` (when given; it must exist) or the first tokenizer file found next to the model.
 */
export function findTokenizer(
  fs: ModelFs,
  oc: OpenCheckpoint,
  path: string | undefined,
): Tokenizer | undefined {
  if (path !== undefined) {
    if (!fs.exists(path)) throw new UsageError(`tokenizer not found: ${path}`, { file: path });
    return loadTokenizerFile(fs, path);
  }
  const dir = fs.isDirectory(oc.path) ? oc.path : fs.dirname(oc.path);
  const file = CANDIDATES.map((n) => fs.join(dir, n)).find((p) => fs.exists(p));
  if (file === undefined) return undefined;
  try {
    return loadTokenizerFile(fs, file);
  } catch (e) {
    // A tokenizer kind the tokenizers/ code cannot build (e.g. WordPiece): the model still loads.
    if (e instanceof UnsupportedError) return undefined;
    throw e;
  }
}
