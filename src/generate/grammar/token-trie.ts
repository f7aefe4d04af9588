// The vocabulary as a byte trie in preorder, built once per tokenizer: node i has a byte, a depth
// and `end` (the first node after its subtree), so a mask walk can skip a whole subtree when a
// byte is rejected. A second trie holds only the tokens that are not plain string content, for the
// fast path inside strings.
import type { Tokenizer } from '../../tokenizers/tokenizer.js';
import { compareBytes } from './nodes.js';

export interface Trie {
  /** Byte of each node. */
  byte: Uint8Array;
  depth: Int32Array;
  /** First node after the subtree of each node. */
  end: Int32Array;
  /** Tokens ending at node i: tokIds[tokStart[i] .. tokStart[i+1]). */
  tokStart: Int32Array;
  tokIds: Int32Array;
  maxDepth: number;
}

export interface TokenTable {
  vocabSize: number;
  /** Every non-special token with at least one byte. */
  full: Trie;
  /** Tokens that are not plain string content (see isPlain). */
  special: Trie;
  /** 1 where a token is plain string content (valid inside a JSON string, state unchanged). */
  plain: Uint8Array;
  /** Characters (code points) of each plain token, 0 for the others. */
  plainChars: Int32Array;
  /** The most characters of any plain token. */
  maxPlainChars: number;
}

function buildTrie(entries: { id: number; bytes: Uint8Array }[]): Trie {
  entries.sort((a, b) => compareBytes(a.bytes, b.bytes) || a.id - b.id);
  const byte: number[] = [];
  const depth: number[] = [];
  const end: number[] = [];
  const tokNode: number[] = [];
  const tokIds: number[] = [];
  const path: number[] = [];
  let prev: Uint8Array = new Uint8Array(0);
  let maxDepth = 0;
  for (const { id, bytes } of entries) {
    let l = 0;
    const m = Math.min(prev.length, bytes.length);
    while (l < m && prev[l] === bytes[l]) l++;
    for (let d = prev.length - 1; d >= l; d--) end[path[d]!] = byte.length;
    for (let d = l; d < bytes.length; d++) {
      path[d] = byte.length;
      byte.push(bytes[d]!);
      depth.push(d);
      end.push(-1);
    }
    tokNode.push(path[bytes.length - 1]!);
    tokIds.push(id);
    if (bytes.length > maxDepth) maxDepth = bytes.length;
    prev = bytes;
  }
  for (let d = prev.length - 1; d >= 0; d--) end[path[d]!] = byte.length;
  const n = byte.length;
  const tokStart = new Int32Array(n + 1);
  for (const node of tokNode) tokStart[node + 1]!++;
  for (let i = 0; i < n; i++) tokStart[i + 1]! += tokStart[i]!;
  return {
    byte: Uint8Array.from(byte),
    depth: Int32Array.from(depth),
    end: Int32Array.from(end),
    tokStart,
    tokIds: Int32Array.from(tokIds), // already in node order (sorted input)
    maxDepth,
  };
}

/** Plain string content: no '"', '\\' or control byte, and complete valid UTF-8. */
function isPlain(bytes: Uint8Array): boolean {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      if (b < 0x20 || b === 0x22 || b === 0x5c) return false;
      i++;
      continue;
    }
    // Multi-byte sequence: lead byte, then the allowed range of the first continuation byte.
    let len: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) len = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      len = 3;
      if (b === 0xe0) lo = 0xa0;
      else if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      len = 4;
      if (b === 0xf0) lo = 0x90;
      else if (b === 0xf4) hi = 0x8f;
    } else return false;
    if (i + len > n) return false;
    const c1 = bytes[i + 1]!;
    if (c1 < lo || c1 > hi) return false;
    for (let k = 2; k < len; k++) {
      const c = bytes[i + k]!;
      if (c < 0x80 || c > 0xbf) return false;
    }
    i += len;
  }
  return true;
}

const cache = new WeakMap<Tokenizer, TokenTable>();

/** Builds (or returns the cached) trie of a tokenizer's token bytes. */
export function tokenTable(tok: Tokenizer): TokenTable {
  const hit = cache.get(tok);
  if (hit) return hit;
  const all: { id: number; bytes: Uint8Array }[] = [];
  const spec: { id: number; bytes: Uint8Array }[] = [];
  const plain = new Uint8Array(tok.vocabSize);
  const plainChars = new Int32Array(tok.vocabSize);
  let maxPlainChars = 0;
  for (let id = 0; id < tok.vocabSize; id++) {
    if (tok.isSpecial(id)) continue;
    const bytes = tok.tokenBytes(id);
    if (bytes.length === 0) continue;
    all.push({ id, bytes });
    if (isPlain(bytes)) {
      plain[id] = 1;
      let n = 0;
      for (const b of bytes) if (b < 0x80 || b >= 0xc0) n++;
      plainChars[id] = n;
      if (n > maxPlainChars) maxPlainChars = n;
    } else spec.push({ id, bytes });
  }
  const t: TokenTable = {
    vocabSize: tok.vocabSize,
    full: buildTrie(all),
    special: buildTrie(spec),
    plain,
    plainChars,
    maxPlainChars,
  };
  cache.set(tok, t);
  return t;
}
