// Node-only: load any supported tokenizer file by its name or folder.
//   tokenizer.json (+ tokenizer_config.json beside it), *.gguf, encoder.json (+ vocab.bpe) or a
//   folder holding them, <encoding>.tiktoken (r50k_base, p50k_base, cl100k_base, o200k_base),
//   llama2.c tokenizer.bin, SentencePiece *.model.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FormatError, UsageError } from '../errors.js';
import { openFileSource } from '../io/byte-source-node.js';
import { readGguf } from '../io/gguf/index.js';
import type { BaseTokenizer } from './base.js';
import { tokenizerFromGguf } from './gguf-vocab.js';
import { tokenizerFromGpt2Files } from './gpt2-files.js';
import { tokenizerFromHfJson } from './hf-json.js';
import { tokenizerFromLlama2c, tokenizerFromSentencePiece } from './sentencepiece.js';
import { TIKTOKEN_ENCODINGS, tiktokenEncoding } from './tiktoken.js';

const MAX_FILE = 256 * 1024 * 1024;

function readBytes(path: string): Uint8Array {
  const st = statSync(path);
  if (!st.isFile()) throw new FormatError(`${path}: not a regular file`, { file: path });
  if (st.size > MAX_FILE)
    throw new FormatError(`${path}: ${st.size} bytes is too large for a tokenizer`, { file: path });
  return new Uint8Array(readFileSync(path));
}

function readText(path: string): string {
  return new TextDecoder().decode(readBytes(path));
}

/** JSON.parse with a size cap; errors become FormatError naming the file. (Tokenizer files are
 * large, so the generic io/json scanner is skipped: its duplicate-key scan costs seconds here.) */
function readJson(path: string): unknown {
  const text = readText(path);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new FormatError(`${path}: invalid JSON: ${(e as Error).message}`, { file: path, cause: e });
  }
}

/** Loads a tokenizer from a file or folder path. */
export function loadTokenizer(path: string): BaseTokenizer {
  if (!existsSync(path)) throw new UsageError(`tokenizer file not found: ${path}`, { file: path });
  if (statSync(path).isDirectory()) {
    for (const name of ['tokenizer.json', 'encoder.json', 'tokenizer.model', 'tokenizer.bin']) {
      const p = join(path, name);
      if (existsSync(p)) return loadTokenizer(p);
    }
    throw new UsageError(
      `${path}: no tokenizer.json, encoder.json, tokenizer.model or tokenizer.bin inside`,
      {
        file: path,
      },
    );
  }
  const name = basename(path);
  const dir = dirname(path);
  if (name.endsWith('.gguf')) return tokenizerFromGguf(readGguf(openFileSource(path)));
  if (name === 'encoder.json') {
    const vocab = join(dir, 'vocab.bpe');
    if (!existsSync(vocab))
      throw new UsageError(`${path}: vocab.bpe is missing beside encoder.json`, { file: path });
    return tokenizerFromGpt2Files(readJson(path), readText(vocab), { encoder: path, vocab });
  }
  if (name.endsWith('.json')) {
    const cfgPath = join(dir, 'tokenizer_config.json');
    const cfg = existsSync(cfgPath) && cfgPath !== path ? readJson(cfgPath) : undefined;
    return tokenizerFromHfJson(readJson(path), cfg, path);
  }
  if (name.endsWith('.tiktoken')) {
    const enc = name.slice(0, -'.tiktoken'.length);
    if (TIKTOKEN_ENCODINGS[enc] === undefined) {
      throw new UsageError(
        `${path}: unknown tiktoken encoding '${enc}' (name the file ${Object.keys(TIKTOKEN_ENCODINGS).join('/')}.tiktoken)`,
        { file: path },
      );
    }
    return tiktokenEncoding(enc, readText(path), path);
  }
  if (name.endsWith('.model')) return tokenizerFromSentencePiece(readBytes(path), path);
  if (name.endsWith('.bin')) return tokenizerFromLlama2c(readBytes(path), path);
  throw new UsageError(
    `${path}: unknown tokenizer format (expected .json, .gguf, .tiktoken, .model or .bin)`,
    {
      file: path,
    },
  );
}
