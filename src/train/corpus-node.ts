// Training text → token files (Node-only). Text files are read as UTF-8; JSON / JSONL corpora
// (e.g. chinese-poetry) contribute their text fields. Tokens are written once to
// <out>/data/{train,val}.bin (uint16 when the vocabulary fits, else uint32) with a meta.json, so
// later runs and resumes reuse them.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import cliProgress from 'cli-progress';
import { FormatError, UsageError } from '../errors.js';
import { writeFileAtomic } from '../io/write-node.js';
import type { Tokenizer } from '../tokenizers/tokenizer.js';
import type { TokenArray } from './batches.js';

export interface TokenFiles {
  train: TokenArray;
  val: TokenArray;
  vocabSize: number;
}

interface TokenMeta {
  dtype: 'uint16' | 'uint32';
  vocabSize: number;
  train: number;
  val: number;
  files: string[];
}

/** Expands directories into the text/JSON files below them (sorted, so order is stable). */
export function expandDataFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    if (!existsSync(p)) throw new UsageError(`data file not found: ${p}`, { field: '--data' });
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) walk(join(p, name));
    } else if (['.txt', '.json', '.jsonl', '.md', ''].includes(extname(p).toLowerCase())) {
      out.push(p);
    }
  };
  for (const p of paths) walk(p);
  if (out.length === 0) throw new UsageError('no text or JSON files among --data', { field: '--data' });
  return out;
}

/** Text fields of a JSON value: poems' title + paragraphs, else text/content, else string leaves. */
function jsonTexts(v: unknown, out: string[], depth = 0): void {
  if (depth > 64) return;
  if (typeof v === 'string') {
    out.push(v);
  } else if (Array.isArray(v)) {
    for (const x of v) jsonTexts(x, out, depth + 1);
  } else if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.paragraphs) || Array.isArray(o.content)) {
      const title =
        typeof o.title === 'string'
          ? `${o.title}\n`
          : typeof o.rhythmic === 'string'
            ? `${o.rhythmic}\n`
            : '';
      const lines = (Array.isArray(o.paragraphs) ? o.paragraphs : o.content) as unknown[];
      out.push(title + lines.filter((x): x is string => typeof x === 'string').join('\n'));
    } else if (typeof o.text === 'string') {
      out.push(o.text);
    } else {
      for (const x of Object.values(o)) jsonTexts(x, out, depth + 1);
    }
  }
}

/** The documents of one data file. */
export function readDocuments(file: string): string[] {
  const buf = readFileSync(file);
  if (buf.includes(0))
    throw new FormatError(`${file}: binary data (NUL bytes) is not a text corpus`, { file });
  const text = new TextDecoder('utf-8', { fatal: false }).decode(buf);
  const ext = extname(file).toLowerCase();
  if (ext === '.json' || ext === '.jsonl') {
    const docs: string[] = [];
    try {
      if (ext === '.jsonl') {
        for (const line of text.split('\n')) {
          if (line.trim()) jsonTexts(JSON.parse(line), docs);
        }
      } else {
        jsonTexts(JSON.parse(text), docs);
      }
    } catch (err) {
      if (err instanceof SyntaxError || err instanceof RangeError) {
        throw new FormatError(`${file}: invalid JSON (${err.message})`, { file, cause: err });
      }
      throw err;
    }
    return docs;
  }
  return [text];
}

/**
 * Tokenizes the data files (with a progress bar on a TTY) and writes the token files under
 * `dir`, or loads them when they already exist for the same files and vocabulary.
 */
export function prepareTokens(
  files: readonly string[],
  tokenizer: Tokenizer,
  dir: string,
  valFraction: number,
  separatorId: number | undefined,
): TokenFiles {
  const metaPath = join(dir, 'meta.json');
  if (existsSync(metaPath)) return loadTokens(dir);
  const vocab = tokenizer.vocabSize;
  if (vocab > 0xffffffff) throw new UsageError(`vocabulary of ${vocab} does not fit uint32 ids`);
  const dtype = vocab <= 0x10000 ? 'uint16' : 'uint32';
  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar(
        { format: 'tokenizing {bar} {value}/{total} files | {tokens} tokens' },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(files.length, 0, { tokens: 0 });
  // Each file's last `valFraction` of tokens goes to validation, so every source (e.g. English
  // and Chinese) is represented in both splits.
  const trainParts: number[][] = [];
  const valParts: number[][] = [];
  let total = 0;
  for (const file of files) {
    const fileIds: number[] = [];
    for (const doc of readDocuments(file)) {
      if (doc.length === 0) continue;
      for (const id of tokenizer.encode(doc, { addSpecial: false })) fileIds.push(id);
      if (separatorId !== undefined) fileIds.push(separatorId);
    }
    const cut = Math.floor(fileIds.length * (1 - valFraction));
    trainParts.push(fileIds.slice(0, cut));
    valParts.push(fileIds.slice(cut));
    total += fileIds.length;
    bar?.increment(1, { tokens: total });
  }
  bar?.stop();
  if (total < 2) throw new UsageError('the data files hold no text to train on', { field: '--data' });
  const join1 = (parts: number[][]): TokenArray => {
    const n = parts.reduce((a, p) => a + p.length, 0);
    const out = dtype === 'uint16' ? new Uint16Array(n) : new Uint32Array(n);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };
  const train = join1(trainParts);
  const val = join1(valParts);
  mkdirSync(dir, { recursive: true });
  const bytes = (a: TokenArray) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  writeFileAtomic(join(dir, 'train.bin'), bytes(train));
  writeFileAtomic(join(dir, 'val.bin'), bytes(val));
  const meta: TokenMeta = {
    dtype,
    vocabSize: vocab,
    train: train.length,
    val: val.length,
    files: [...files],
  };
  writeFileAtomic(metaPath, `${JSON.stringify(meta, null, 1)}\n`);
  return { train, val, vocabSize: vocab };
}

export function loadTokens(dir: string): TokenFiles {
  const metaPath = join(dir, 'meta.json');
  let meta: TokenMeta;
  try {
    meta = JSON.parse(readFileSync(metaPath, 'utf8')) as TokenMeta;
  } catch (err) {
    throw new FormatError(`${metaPath}: unreadable token metadata`, { file: metaPath, cause: err });
  }
  const read = (name: string, count: number): TokenArray => {
    const buf = readFileSync(join(dir, name));
    const width = meta.dtype === 'uint16' ? 2 : 4;
    if (buf.length !== count * width) {
      throw new FormatError(`${join(dir, name)}: ${buf.length} bytes, expected ${count * width}`, {
        file: name,
      });
    }
    const copy = new Uint8Array(buf);
    return meta.dtype === 'uint16' ? new Uint16Array(copy.buffer) : new Uint32Array(copy.buffer);
  };
  return { train: read('train.bin', meta.train), val: read('val.bin', meta.val), vocabSize: meta.vocabSize };
}
