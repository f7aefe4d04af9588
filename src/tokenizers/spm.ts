// SentencePiece-style BPE as llama.cpp's llm_tokenizer_spm runs it (LLaMA-1/2, TinyLlama,
// Baichuan, Phi-3, llama2.c): spaces become '▁', a space is prepended to text that starts the
// input or follows a special token (add_space_prefix), then adjacent symbols (UTF-8 characters
// at first) whose concatenation is a vocabulary piece are merged, highest piece score first
// (ties: leftmost). Symbols that are not pieces fall back to byte tokens <0xXX>.
import { type BaseOptions, BaseTokenizer } from './base.js';
import { BpeEngine, PairTable } from './bpe-core.js';
import { parseByteToken, utf8Encode } from './utf8.js';

/** llama.cpp token types (GGUF tokenizer.ggml.token_type). */
export enum TokenType {
  Undefined = 0,
  Normal = 1,
  Unknown = 2,
  Control = 3,
  UserDefined = 4,
  Unused = 5,
  Byte = 6,
}

export interface SpmOptions extends BaseOptions {
  scores: Float32Array;
  types: Int32Array;
  addSpacePrefix: boolean;
  /** A merge table (tokenizer.json merges) instead of llama.cpp's score rule. */
  pairs?: PairTable;
  /** Prepend the space only to the start of the text, not after special tokens (HF prepend_scheme 'first'). */
  prefixFirstOnly?: boolean;
  /** Merge each '▁'-led word separately (HF Metaspace split=true). */
  splitWords?: boolean;
  /** Characters outside the vocabulary become this id instead of byte tokens. */
  unkId?: number | undefined;
}

export class SpmTokenizer extends BaseTokenizer {
  private readonly types: Int32Array;
  private readonly addSpacePrefix: boolean;
  private readonly pieceIds = new Map<string, number>();
  private readonly byteIds = new Int32Array(256).fill(-1);
  /** Single characters that are not pieces get ids from vocabSize up (they never merge out). */
  private readonly virtualIds = new Map<string, number>();
  private readonly virtualChars: string[] = [];
  private readonly engine: BpeEngine;
  private readonly unkId: number | undefined;
  private readonly prefixFirstOnly: boolean;
  private readonly splitWords: boolean;
  private ids = new Int32Array(64);
  private readonly merged: number[] = [];

  constructor(o: SpmOptions) {
    super(o);
    this.types = o.types;
    this.addSpacePrefix = o.addSpacePrefix;
    // llama.cpp's token_to_id keeps the last id of a duplicated text
    for (let i = 0; i < o.tokens.length; i++) this.pieceIds.set(o.tokens[i]!, i);
    for (let b = 0; b < 256; b++) {
      const hex = `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
      const id = this.pieceIds.get(hex) ?? this.pieceIds.get(String.fromCharCode(b));
      this.byteIds[b] = id ?? -1;
    }
    this.unkId = o.unkId;
    this.prefixFirstOnly = o.prefixFirstOnly ?? false;
    this.splitWords = o.splitWords ?? false;
    this.engine = new BpeEngine(o.pairs ?? this.buildPairs(o.scores));
  }

  /**
   * llama.cpp merges two adjacent symbols when their concatenation is a piece, highest piece
   * score first, ties to the left. That is BPE with rank = position of the score in descending
   * order, and a pair for every split of every piece into two pieces (or lone characters).
   */
  private buildPairs(scores: Float32Array): PairTable {
    const uniq = [...new Set(scores)].sort((a, b) => b - a);
    const rankOf = new Map<number, number>();
    for (let i = 0; i < uniq.length; i++) rankOf.set(uniq[i]!, i);
    const table = new PairTable(this.pieceIds.size * 4);
    for (const [text, id] of this.pieceIds) {
      if (text.length < 2) continue;
      const rank = rankOf.get(scores[id] ?? 0) ?? 0;
      for (let k = 1; k < text.length; k++) {
        const c = text.charCodeAt(k);
        if (c >= 0xdc00 && c <= 0xdfff) continue; // inside a surrogate pair
        const a = this.symbolId(text.slice(0, k));
        if (a < 0) continue;
        const b = this.symbolId(text.slice(k));
        if (b >= 0) table.set(a, b, rank, id);
      }
    }
    return table;
  }

  /** Piece id, else a virtual id for a single code point, else -1. */
  private symbolId(s: string): number {
    const id = this.pieceIds.get(s);
    if (id !== undefined) return id;
    const cp = s.codePointAt(0)!;
    if (s.length !== (cp > 0xffff ? 2 : 1)) return -1;
    let v = this.virtualIds.get(s);
    if (v === undefined) {
      v = this.vocabSize + this.virtualChars.length;
      this.virtualIds.set(s, v);
      this.virtualChars.push(s);
    }
    return v;
  }

  protected encodeText(text: string, out: number[], afterSpecial: boolean, atStart: boolean): void {
    if (this.addSpacePrefix && (this.prefixFirstOnly ? atStart : afterSpecial)) text = ` ${text}`;
    text = text.replace(/ /g, '\u2581');
    if (this.splitWords) {
      // HF Metaspace(split=true): each '▁'-led word is merged on its own
      let start = 0;
      for (let i = 1; i <= text.length; i++) {
        if (i === text.length || text.charCodeAt(i) === 0x2581) {
          this.mergeChunk(text.slice(start, i), out);
          start = i;
        }
      }
      return;
    }
    this.mergeChunk(text, out);
  }

  private mergeChunk(text: string, out: number[]): void {
    if (this.ids.length < text.length) this.ids = new Int32Array(Math.max(text.length, this.ids.length * 2));
    const ids = this.ids;
    let n = 0;
    for (let u = 0; u < text.length; ) {
      const c = text.charCodeAt(u);
      const w = c >= 0xd800 && c <= 0xdbff && u + 1 < text.length ? 2 : 1;
      ids[n++] = this.symbolId(text.slice(u, u + w));
      u += w;
    }
    const merged = this.merged;
    merged.length = 0;
    this.engine.merge(ids, n, merged);
    for (let i = 0; i < merged.length; i++) {
      const id = merged[i]!;
      if (id < this.vocabSize) {
        out.push(id);
        continue;
      }
      if (this.unkId !== undefined) {
        out.push(this.unkId);
        continue;
      }
      const bytes = utf8Encode(this.virtualChars[id - this.vocabSize]!);
      for (let k = 0; k < bytes.length; k++) {
        const b = this.byteIds[bytes[k]!]!;
        if (b >= 0) out.push(b);
      }
    }
  }

  protected pieceBytes(id: number): Uint8Array {
    const t = this.tokens[id]!;
    const type = this.types[id] ?? TokenType.Normal;
    if (type === TokenType.Byte) {
      const b = parseByteToken(t);
      return b === undefined ? utf8Encode(t) : Uint8Array.of(b);
    }
    if (type === TokenType.UserDefined) return utf8Encode(t);
    if (type === TokenType.Unused || type === TokenType.Undefined) return new Uint8Array(0);
    return utf8Encode(t.replace(/\u2581/g, ' '));
  }
}
