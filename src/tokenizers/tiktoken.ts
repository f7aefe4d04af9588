// tiktoken rank files (`<base64 token> <rank>` per line) and the four OpenAI encodings.
import { FormatError, UsageError } from '../errors.js';
import { ByteBpeTokenizer, type PreTokenizer } from './bpe.js';
import { PairTable } from './bpe-core.js';
import { CL100K_PATTERN, GPT2_PATTERN, O200K_PATTERN } from './patterns.js';
import { RegexSplitter } from './pretokenize.js';
import type { SpecialEntry } from './special.js';
import { bytesToByteLevel, bytesToLatin1 } from './utf8.js';

export interface TiktokenEncodingSpec {
  readonly pattern: string;
  readonly special: Readonly<Record<string, number>>;
}

export const TIKTOKEN_ENCODINGS: Readonly<Record<string, TiktokenEncodingSpec>> = {
  r50k_base: { pattern: GPT2_PATTERN, special: { '<|endoftext|>': 50256 } },
  p50k_base: { pattern: GPT2_PATTERN, special: { '<|endoftext|>': 50256 } },
  cl100k_base: {
    pattern: CL100K_PATTERN,
    special: {
      '<|endoftext|>': 100257,
      '<|fim_prefix|>': 100258,
      '<|fim_middle|>': 100259,
      '<|fim_suffix|>': 100260,
      '<|endofprompt|>': 100276,
    },
  },
  o200k_base: { pattern: O200K_PATTERN, special: { '<|endoftext|>': 199999, '<|endofprompt|>': 200018 } },
};

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) t[B64.charCodeAt(i)] = i;
  return t;
})();

function decodeBase64(s: string, file: string, line: number): Uint8Array {
  let n = s.length;
  while (n > 0 && s[n - 1] === '=') n--;
  const out = new Uint8Array(Math.floor((n * 6) / 8));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? B64_INDEX[c]! : -1;
    if (v < 0)
      throw new FormatError(`${file}: line ${line}: invalid base64 token`, { field: `line ${line}`, file });
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

/** Parses a rank file into rank -> bytes (dense array; gaps are undefined). */
export function parseTiktokenRanks(text: string, file = 'tiktoken'): (Uint8Array | undefined)[] {
  const ranks: (Uint8Array | undefined)[] = [];
  let lineNo = 0;
  let pos = 0;
  const max = 1 << 22;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const line = text.slice(pos, end).trim();
    pos = end + 1;
    lineNo++;
    if (line.length === 0) continue;
    const sp = line.indexOf(' ');
    const rank = sp > 0 ? Number(line.slice(sp + 1)) : Number.NaN;
    if (!Number.isInteger(rank) || rank < 0 || rank >= max) {
      throw new FormatError(`${file}: line ${lineNo}: expected '<base64> <rank>'`, {
        field: `line ${lineNo}`,
        file,
      });
    }
    if (ranks[rank] !== undefined) {
      throw new FormatError(`${file}: line ${lineNo}: duplicate rank ${rank}`, {
        field: `line ${lineNo}`,
        file,
      });
    }
    ranks[rank] = decodeBase64(line.slice(0, sp), file, lineNo);
  }
  if (ranks.length === 0) throw new FormatError(`${file}: no tokens`, { field: 'ranks', file });
  return ranks;
}

export interface TiktokenOptions {
  pattern: string;
  special: Readonly<Record<string, number>>;
  file?: string;
}

/** Builds a tokenizer from parsed ranks. */
export function tiktokenFromRanks(
  ranks: readonly (Uint8Array | undefined)[],
  o: TiktokenOptions,
): ByteBpeTokenizer {
  const file = o.file ?? 'tiktoken';
  let size = ranks.length;
  for (const id of Object.values(o.special)) size = Math.max(size, id + 1);
  const tokens: string[] = new Array(size).fill('');
  const index = new Map<string, number>();
  const byLevel = new Map<string, number>();
  for (let r = 0; r < ranks.length; r++) {
    const b = ranks[r];
    if (b === undefined) continue;
    tokens[r] = bytesToByteLevel(b);
    byLevel.set(tokens[r]!, r);
    index.set(bytesToLatin1(b), r);
  }
  const byteToId = new Int32Array(256).fill(-1);
  for (let b = 0; b < 256; b++) byteToId[b] = index.get(String.fromCharCode(b)) ?? -1;
  for (let b = 0; b < 256; b++) {
    if (byteToId[b]! < 0) throw new FormatError(`${file}: byte ${b} has no token`, { field: 'ranks', file });
  }
  // Every split of a token into two tokens is a merge with the token's rank (tiktoken's rule).
  const pairs = new PairTable(ranks.length * 4);
  for (let r = 0; r < ranks.length; r++) {
    const b = ranks[r];
    if (b === undefined || b.length < 2) continue;
    const key = bytesToLatin1(b);
    for (let k = 1; k < key.length; k++) {
      const a = index.get(key.slice(0, k));
      if (a === undefined) continue;
      const c = index.get(key.slice(k));
      if (c !== undefined) pairs.set(a, c, r, r);
    }
  }
  const special: SpecialEntry[] = [];
  for (const [text, id] of Object.entries(o.special)) {
    if (!Number.isInteger(id) || id < 0)
      throw new FormatError(`${file}: bad special id for ${text}`, { file });
    tokens[id] = text;
    special.push({ text, id });
  }
  const splitter = new RegexSplitter(o.pattern);
  const pre: PreTokenizer = (text, out) => splitter.split(text, out);
  const eot = o.special['<|endoftext|>'];
  return new ByteBpeTokenizer({
    tokens,
    special,
    partition: 'longest',
    eosId: eot,
    bosId: undefined,
    byteToId,
    pairs,
    preTokenize: pre,
    ignoreMerges: true,
    lookup: (s) => byLevel.get(s),
  });
}

/** Builds one of the named OpenAI encodings from the text of its rank file. */
export function tiktokenEncoding(name: string, rankFileText: string, file?: string): ByteBpeTokenizer {
  const spec = TIKTOKEN_ENCODINGS[name];
  if (spec === undefined) {
    throw new UsageError(
      `unknown tiktoken encoding '${name}' (known: ${Object.keys(TIKTOKEN_ENCODINGS).join(', ')})`,
    );
  }
  return tiktokenFromRanks(parseTiktokenRanks(rankFileText, file ?? name), {
    pattern: spec.pattern,
    special: spec.special,
    file: file ?? name,
  });
}
