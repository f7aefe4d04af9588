// WordPiece as llama.cpp's llm_tokenizer_wpm runs it (BERT vocabularies converted to GGUF, where
// word-initial pieces carry a '▁' prefix): NFD, lowercase, split on whitespace and around
// punctuation / ASCII symbols / CJK characters, then greedy longest match per word.
import { type BaseOptions, BaseTokenizer } from './base.js';
import { isLlamaWhitespace } from './pretokenize.js';
import { TokenType } from './spm.js';
import { bytesToLatin1, utf8Encode } from './utf8.js';

export interface WpmOptions extends BaseOptions {
  unkId: number;
  types: Int32Array;
}

const RE_P = /^\p{P}$/u;
const RE_S = /^\p{S}$/u;
const RE_C = /^\p{C}$/u;

function isChinese(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

export class WpmTokenizer extends BaseTokenizer {
  private readonly unkId: number;
  private readonly types: Int32Array;
  /** latin1(bytes of piece) -> id */
  private readonly byBytes = new Map<string, number>();
  private readonly maxLen: number;

  constructor(o: WpmOptions) {
    super({ ...o, stripLeadingSpace: true });
    this.unkId = o.unkId;
    this.types = o.types;
    let maxLen = 0;
    for (let i = 0; i < o.tokens.length; i++) {
      const b = utf8Encode(o.tokens[i]!);
      maxLen = Math.max(maxLen, b.length);
      this.byBytes.set(bytesToLatin1(b), i);
    }
    this.maxLen = maxLen;
  }

  static words(text: string): string[] {
    const words: string[] = [''];
    for (const orig of text) {
      // llama.cpp's NFD maps each code point to the first code point of its decomposition
      const cp = orig.normalize('NFD').codePointAt(0)!;
      const ch = String.fromCodePoint(cp);
      if (isLlamaWhitespace(cp)) {
        if (words[words.length - 1]!.length > 0) words.push('');
        continue;
      }
      if (cp === 0 || cp === 0xfffd || RE_C.test(ch)) continue;
      const lower = String.fromCodePoint(ch.toLowerCase().codePointAt(0)!);
      if (RE_P.test(ch) || (cp < 0x7f && RE_S.test(ch)) || isChinese(cp)) {
        if (words[words.length - 1]!.length > 0) words.push('');
        words[words.length - 1] = lower;
        words.push('');
      } else words[words.length - 1] += lower;
    }
    if (words[words.length - 1]!.length === 0) words.pop();
    return words;
  }

  protected encodeText(text: string, out: number[]): void {
    for (const word of WpmTokenizer.words(text)) {
      if (word.length === 0) continue;
      const w = bytesToLatin1(utf8Encode(`\u2581${word}`));
      const n = w.length;
      const start = out.length;
      for (let i = 0; i < n; i++) {
        let matched = false;
        for (let j = Math.min(n, i + this.maxLen + 1); j > i; j--) {
          const id = this.byBytes.get(w.slice(i, j));
          if (id !== undefined) {
            out.push(id);
            matched = true;
            i = j - 1;
            break;
          }
        }
        if (!matched) {
          out.length = start;
          break;
        }
      }
      if (out.length === start) out.push(this.unkId);
    }
  }

  protected pieceBytes(id: number): Uint8Array {
    const t = this.tokens[id]!;
    const type = this.types[id];
    if (type === TokenType.Unused || type === TokenType.Undefined) return new Uint8Array(0);
    return utf8Encode(type === TokenType.UserDefined ? t : t.replace(/\u2581/g, ' '));
  }
}
