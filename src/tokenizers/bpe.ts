// Byte-level BPE: GPT-2 / Llama-3 / Qwen2 tokenizer.json, GGUF `gpt2` vocabularies, GPT-2
// encoder.json + vocab.bpe and tiktoken rank files all become this one class.
import { type BaseOptions, BaseTokenizer } from './base.js';
import { BpeEngine, PairTable } from './bpe-core.js';
import { byteLevelToBytes, byteToUnicodeTable, utf8Encode, utf8EncodeInto } from './utf8.js';

/** Splits one raw text fragment into pieces (pre-tokenization, including normalization). */
export type PreTokenizer = (text: string, out: string[]) => void;

export interface ByteBpeOptions extends BaseOptions {
  /** Id of each single-byte token, -1 when the vocabulary lacks it (the byte is dropped, as llama.cpp). */
  byteToId: Int32Array;
  pairs: PairTable;
  preTokenize: PreTokenizer;
  /** A piece that is a whole token is emitted as is (Llama-3 `ignore_merges`, tiktoken). */
  ignoreMerges?: boolean;
  /** Byte-level token string -> id (defaults to the vocabulary); used by `ignoreMerges`. */
  lookup?: (byteLevel: string) => number | undefined;
  /** Ids whose decoded bytes are their raw UTF-8 text, not byte-level characters (llama.cpp USER_DEFINED). */
  rawTextIds?: Iterable<number>;
}

const CACHE_MAX_PIECE = 48;
const CACHE_MAX_ENTRIES = 65536;

export class ByteBpeTokenizer extends BaseTokenizer {
  private readonly byteToId: Int32Array;
  private readonly engine: BpeEngine;
  private readonly preTokenize: PreTokenizer;
  private readonly ignoreMerges: boolean;
  private readonly rawText: Set<number>;
  private readonly lookup: (byteLevel: string) => number | undefined;
  private readonly b2u = byteToUnicodeTable();
  /** piece -> its ids (a number for a single id, the common case) */
  private cache = new Map<string, number | number[]>();
  private readonly buf = { bytes: new Uint8Array(256) };
  private ids = new Int32Array(256);
  private readonly pieces: string[] = [];

  constructor(o: ByteBpeOptions) {
    super(o);
    this.byteToId = o.byteToId;
    this.engine = new BpeEngine(o.pairs);
    this.preTokenize = o.preTokenize;
    this.ignoreMerges = o.ignoreMerges ?? false;
    this.rawText = new Set(o.rawTextIds ?? []);
    this.lookup = o.lookup ?? ((s) => this.tokenToId(s));
  }

  get mergeCount(): number {
    return this.engine.pairs.size;
  }

  protected encodeText(text: string, out: number[]): void {
    const pieces = this.pieces;
    pieces.length = 0;
    this.preTokenize(text, pieces);
    for (let k = 0; k < pieces.length; k++) this.encodePiece(pieces[k]!, out);
    pieces.length = 0;
  }

  /** Encodes one pre-tokenized piece (no special-token or regex handling). */
  encodePiece(piece: string, out: number[]): void {
    const small = piece.length <= CACHE_MAX_PIECE;
    if (small) {
      const hit = this.cache.get(piece);
      if (hit !== undefined) {
        if (typeof hit === 'number') out.push(hit);
        else for (let i = 0; i < hit.length; i++) out.push(hit[i]!);
        return;
      }
    }
    const n = utf8EncodeInto(piece, this.buf);
    if (this.ignoreMerges) {
      const bytes = this.buf.bytes;
      let s = '';
      for (let i = 0; i < n; i++) s += this.b2u[bytes[i]!]!;
      const id = this.lookup(s);
      if (id !== undefined && !this.isSpecial(id) && !this.rawText.has(id)) {
        out.push(id);
        if (small) this.remember(piece, id);
        return;
      }
    }
    if (this.ids.length < n) this.ids = new Int32Array(Math.max(n, this.ids.length * 2));
    const ids = this.ids;
    const bytes = this.buf.bytes;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const id = this.byteToId[bytes[i]!]!;
      if (id >= 0) ids[m++] = id;
    }
    const start = out.length;
    this.engine.merge(ids, m, out);
    if (small) this.remember(piece, out.length - start === 1 ? out[start]! : out.slice(start));
  }

  private remember(piece: string, ids: number | number[]): void {
    if (this.cache.size >= CACHE_MAX_ENTRIES) this.cache = new Map();
    this.cache.set(piece, ids);
  }

  protected pieceBytes(id: number): Uint8Array {
    const t = this.tokens[id]!;
    if (this.rawText.has(id)) return utf8Encode(t);
    return byteLevelToBytes(t) ?? utf8Encode(t);
  }
}

/** Builds the pair table from merges given as [left, right] token strings. */
export function pairsFromMerges(
  merges: Iterable<readonly [string, string]>,
  tokenToId: (s: string) => number | undefined,
): PairTable {
  const list = Array.isArray(merges) ? (merges as (readonly [string, string])[]) : [...merges];
  const t = new PairTable(list.length);
  let rank = 0;
  for (const [a, b] of list) {
    const ia = tokenToId(a);
    const ib = tokenToId(b);
    const ir = tokenToId(a + b);
    if (ia !== undefined && ib !== undefined && ir !== undefined) t.set(ia, ib, rank, ir);
    rank++;
  }
  return t;
}

/** Id of each byte's byte-level token ('Ġ' for 0x20 ...), -1 when absent. */
export function byteLevelByteIds(
  tokenToId: (s: string) => number | undefined,
  table: readonly string[],
): Int32Array {
  const out = new Int32Array(256);
  for (let b = 0; b < 256; b++) out[b] = tokenToId(table[b]!) ?? -1;
  return out;
}
