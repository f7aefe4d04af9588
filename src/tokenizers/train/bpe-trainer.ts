// Byte-level BPE training. Text is split on special tokens (which are removed), pre-tokenized
// with a regex (GPT-2's by default), and identical pre-tokens are counted once with their
// frequency. Pairs never cross pre-token boundaries. Each step merges the most frequent pair;
// ties go to the lexicographically greater pair compared as byte strings (the rule of the
// cs336 reference and of HF tokenizers' trainer). Pair counts are updated incrementally: only
// the words containing the merged pair are rescanned, and a lazy max-heap finds the next pair.
// Vocabulary layout: special tokens first, then the 256 bytes in GPT-2's byte-level order, then
// one token per merge.
import { ConfigError } from '../../errors.js';
import { GPT2_PATTERN } from '../patterns.js';
import { RegexSplitter } from '../pretokenize.js';
import { bytesToByteLevel, byteToUnicodeTable, toWellFormed, utf8Encode } from '../utf8.js';
import { IntFloatMap } from './int-map.js';

export interface BpeTrainOptions {
  vocabSize: number;
  specialTokens?: readonly string[];
  /** Pre-tokenizer regex (reference syntax, e.g. GPT2_PATTERN). */
  pattern?: string;
  /** Called now and then with (merges done, merges wanted). */
  onProgress?: (done: number, total: number) => void;
}

export interface BpeTrainResult {
  /** id -> bytes */
  vocab: Uint8Array[];
  /** merges in order, as pairs of ids */
  merges: [number, number][];
  specialTokens: string[];
  pattern: string;
}

const MAX_VOCAB = 1 << 21;

export class BpeTrainer {
  private readonly splitter: RegexSplitter;
  private readonly pattern: string;
  private readonly specials: string[];
  private readonly wordCounts = new Map<string, number>();
  private readonly pieces: string[] = [];

  constructor(private readonly o: BpeTrainOptions) {
    this.pattern = o.pattern ?? GPT2_PATTERN;
    this.splitter = new RegexSplitter(this.pattern);
    this.specials = [...(o.specialTokens ?? [])];
    const minSize = 256 + this.specials.length;
    if (!Number.isInteger(o.vocabSize) || o.vocabSize < minSize || o.vocabSize >= MAX_VOCAB) {
      throw new ConfigError(
        `vocab size must be an integer in [${minSize}, ${MAX_VOCAB}), got ${o.vocabSize}`,
        {
          field: 'vocabSize',
        },
      );
    }
  }

  /** Adds one document (or any chunk that ends at a document boundary). */
  addText(text: string): void {
    text = toWellFormed(text);
    let parts = [text];
    for (const s of this.specials) {
      if (s.length === 0 || text.indexOf(s) < 0) continue;
      parts = parts.flatMap((p) => p.split(s));
    }
    const pieces = this.pieces;
    for (const part of parts) {
      pieces.length = 0;
      this.splitter.split(part, pieces);
      for (const w of pieces) this.wordCounts.set(w, (this.wordCounts.get(w) ?? 0) + 1);
    }
    pieces.length = 0;
  }

  /**
   * Adds a stream of text (strings or UTF-8 bytes). Text is processed up to the last special
   * token seen so far (pre-tokens never cross special tokens, so this is exact); without special
   * tokens the whole stream is one document.
   */
  async addStream(stream: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>): Promise<void> {
    const dec = new TextDecoder();
    let buf = '';
    for await (const chunk of stream) {
      buf += typeof chunk === 'string' ? chunk : dec.decode(chunk, { stream: true });
      let cut = -1;
      for (const s of this.specials) {
        const i = s.length === 0 ? -1 : buf.lastIndexOf(s);
        if (i >= 0) cut = Math.max(cut, i + s.length);
      }
      if (cut > 0) {
        this.addText(buf.slice(0, cut));
        buf = buf.slice(cut);
      }
    }
    buf += dec.decode();
    if (buf.length > 0) this.addText(buf);
  }

  train(): BpeTrainResult {
    const o = this.o;
    // pair key = a * KEY + b; with KEY = vocab size the keys stay small integers (fast Map keys)
    const KEY = o.vocabSize;
    const vocab: Uint8Array[] = this.specials.map((s) => utf8Encode(s));
    const byteId = new Int32Array(256);
    const table = byteToUnicodeTable();
    // GPT-2 byte-level order: the order of the byte-level characters' code points
    const order = [...Array(256).keys()].sort((a, b) => table[a]!.charCodeAt(0) - table[b]!.charCodeAt(0));
    for (const b of order) {
      byteId[b] = vocab.length;
      vocab.push(Uint8Array.of(b));
    }
    // words as symbol arrays
    const nWords = this.wordCounts.size;
    const words: Int32Array[] = new Array(nWords);
    const lens = new Int32Array(nWords);
    const freq = new Float64Array(nWords);
    let wi = 0;
    for (const [w, c] of this.wordCounts) {
      const b = utf8Encode(w);
      const syms = new Int32Array(b.length);
      for (let i = 0; i < b.length; i++) syms[i] = byteId[b[i]!]!;
      words[wi] = syms;
      lens[wi] = b.length;
      freq[wi] = c;
      wi++;
    }
    this.wordCounts.clear();
    const counts = new IntFloatMap(1 << 16);
    const where = new Map<number, number[]>(); // pair -> words that contained it (may be stale)
    for (let w = 0; w < nWords; w++) {
      const s = words[w]!;
      for (let i = 0; i + 1 < lens[w]!; i++) {
        const k = s[i]! * KEY + s[i + 1]!;
        counts.add(k, freq[w]!);
        const list = where.get(k);
        if (list === undefined) where.set(k, [w]);
        else if (list[list.length - 1] !== w) list.push(w);
      }
    }
    const heap = new PairHeap(vocab, KEY);
    counts.forEach((k, c) => {
      heap.push(c, k);
    });

    const delta = new IntFloatMap(1 << 12);
    const touched: number[] = [];
    const add = (x: number, y: number, v: number) => {
      const k = x * KEY + y;
      if (delta.add(k, v)) touched.push(k);
    };
    const index = (k: number, w: number) => {
      const l = where.get(k);
      if (l === undefined) where.set(k, [w]);
      else if (l[l.length - 1] !== w) l.push(w);
    };
    const merges: [number, number][] = [];
    const total = o.vocabSize - vocab.length;
    while (vocab.length < o.vocabSize) {
      // pop the best pair whose count is current
      let best = -1;
      while (heap.size > 0) {
        const [c, k] = heap.pop();
        if (c > 0 && counts.get(k) === c) {
          best = k;
          break;
        }
      }
      if (best < 0) break;
      const a = Math.floor(best / KEY);
      const b = best - a * KEY;
      const id = vocab.length;
      const ab = new Uint8Array(vocab[a]!.length + vocab[b]!.length);
      ab.set(vocab[a]!);
      ab.set(vocab[b]!, vocab[a]!.length);
      vocab.push(ab);
      merges.push([a, b]);
      const list = where.get(best) ?? [];
      where.delete(best);
      for (const w of list) {
        const s = words[w]!;
        const n = lens[w]!;
        let found = false;
        for (let i = 0; i + 1 < n; i++) {
          if (s[i] === a && s[i + 1] === b) {
            found = true;
            break;
          }
        }
        if (!found) continue;
        const f = freq[w]!;
        // Only the pairs around each occurrence change: remove the old ones, then add the new.
        let m = 0;
        let lastEnd = -1;
        for (let i = 0; i < n; i++) {
          if (i + 1 < n && s[i] === a && s[i + 1] === b) {
            if (i > 0 && i - 1 !== lastEnd) add(s[i - 1]!, a, -f);
            add(a, b, -f);
            if (i + 2 < n) add(b, s[i + 2]!, -f);
            s[m++] = id;
            lastEnd = i + 1;
            i++;
          } else s[m++] = s[i]!;
        }
        lens[w] = m;
        for (let i = 0; i < m; i++) {
          if (s[i] !== id) continue;
          if (i > 0) {
            add(s[i - 1]!, id, f);
            index(s[i - 1]! * KEY + id, w);
          }
          if (i + 1 < m && s[i + 1] !== id) {
            add(id, s[i + 1]!, f);
            index(id * KEY + s[i + 1]!, w);
          }
        }
      }
      for (const k of touched) {
        const d = delta.get(k);
        if (d === 0) continue;
        const c = counts.get(k) + d;
        counts.set(k, Math.max(c, 0));
        if (c > 0) heap.push(c, k);
      }
      delta.clearTouched(touched);
      touched.length = 0;
      counts.set(best, 0);
      if (o.onProgress !== undefined && (merges.length & 63) === 0) o.onProgress(merges.length, total);
    }
    o.onProgress?.(merges.length, total);
    return { vocab, merges, specialTokens: this.specials, pattern: this.pattern };
  }
}

/** Compares byte strings lexicographically. */
function compareBytes(x: Uint8Array, y: Uint8Array): number {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** Max-heap of (count, pair); ties: the greater pair (bytes of left, then right) first. */
class PairHeap {
  private c: number[] = [];
  private k: number[] = [];

  constructor(
    private readonly vocab: Uint8Array[],
    private readonly KEY: number,
  ) {}

  get size(): number {
    return this.c.length;
  }

  private above(i: number, j: number): boolean {
    const ci = this.c[i]!;
    const cj = this.c[j]!;
    if (ci !== cj) return ci > cj;
    const ki = this.k[i]!;
    const kj = this.k[j]!;
    const KEY = this.KEY;
    const ai = Math.floor(ki / KEY);
    const aj = Math.floor(kj / KEY);
    const r = compareBytes(this.vocab[ai]!, this.vocab[aj]!);
    if (r !== 0) return r > 0;
    return compareBytes(this.vocab[ki - ai * KEY]!, this.vocab[kj - aj * KEY]!) > 0;
  }

  private swap(i: number, j: number): void {
    const c = this.c[i]!;
    this.c[i] = this.c[j]!;
    this.c[j] = c;
    const k = this.k[i]!;
    this.k[i] = this.k[j]!;
    this.k[j] = k;
  }

  push(count: number, key: number): void {
    this.c.push(count);
    this.k.push(key);
    let i = this.c.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.above(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  pop(): [number, number] {
    const top: [number, number] = [this.c[0]!, this.k[0]!];
    const last = this.c.length - 1;
    this.swap(0, last);
    this.c.pop();
    this.k.pop();
    let i = 0;
    const n = this.c.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let m = l;
      if (l + 1 < n && this.above(l + 1, l)) m = l + 1;
      if (!this.above(m, i)) break;
      this.swap(m, i);
      i = m;
    }
    return top;
  }
}

/** The result as a Hugging Face `tokenizer.json` object (loads here and in HF tokenizers). */
export function toTokenizerJson(r: BpeTrainResult): Record<string, unknown> {
  const specialSet = new Set(r.specialTokens);
  const vocab: Record<string, number> = {};
  const name = (id: number) => bytesToByteLevel(r.vocab[id]!);
  r.vocab.forEach((_b, id) => {
    if (id < r.specialTokens.length) vocab[r.specialTokens[id]!] = id;
    else vocab[name(id)] = id;
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: r.specialTokens.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: specialSet.has(content),
    })),
    normalizer: null,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: r.pattern }, behavior: 'Isolated', invert: false },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: r.merges.map(([a, b]) => [name(a), name(b)]),
    },
  };
}

/** Merges as text lines 'a b' in GPT-2's byte-level alphabet (the vocab.bpe / reference format). */
export function mergesText(r: BpeTrainResult): string {
  return r.merges
    .map(([a, b]) => `${bytesToByteLevel(r.vocab[a]!)} ${bytesToByteLevel(r.vocab[b]!)}`)
    .join('\n');
}
