// The common half of every tokenizer: vocabulary tables, special-token handling, BOS/EOS,
// decoding and streaming. Each model (byte-level BPE, SentencePiece BPE, WordPiece) supplies
// `encodeText` for one raw text fragment and `pieceBytes` for one id.

import { type Fragment, LongestMatcher, partitionLlama, type SpecialEntry } from './special.js';
import type { DecodeOptions, EncodeOptions, StreamDecoder, Tokenizer } from './tokenizer.js';
import { toWellFormed, utf8Decode, utf8Encode } from './utf8.js';

const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export interface BaseOptions {
  /** Raw vocabulary strings, id -> string. */
  tokens: readonly string[];
  bosId?: number | undefined;
  eosId?: number | undefined;
  addBos?: boolean;
  addEos?: boolean;
  eogIds?: Iterable<number>;
  chatTemplate?: string | undefined;
  /** Control tokens: matched in text only when allowed, dropped by `skipSpecial`. */
  special: readonly SpecialEntry[];
  /** Tokens always matched in text (llama.cpp USER_DEFINED, HF added tokens with special=false). */
  always?: readonly SpecialEntry[];
  /** How text is split on special tokens (see special.ts). */
  partition: 'llama' | 'longest';
  /** Decoding drops one leading space of the text (SentencePiece's add_space_prefix). */
  stripLeadingSpace?: boolean;
  /** Ids that decode to nothing unless specials are rendered (e.g. llama.cpp UNKNOWN/CONTROL). */
  hiddenIds?: Iterable<number>;
}

type AllowSpecial = EncodeOptions['allowSpecial'];

export abstract class BaseTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly bosId: number | undefined;
  readonly eosId: number | undefined;
  readonly addBos: boolean;
  readonly addEos: boolean;
  readonly eogIds: ReadonlySet<number>;
  readonly chatTemplate: string | undefined;

  protected readonly tokens: readonly string[];
  private tokenIndex: Map<string, number> | undefined;
  private readonly bytesCache: (Uint8Array | undefined)[];
  private readonly textCache: (string | null | undefined)[];
  private pendingBuf = new Uint8Array(64);
  private readonly specialSet: Set<number>;
  private readonly hiddenSet: Set<number>;
  private readonly specialEntries: readonly SpecialEntry[];
  private readonly alwaysEntries: readonly SpecialEntry[];
  private readonly partitionMode: 'llama' | 'longest';
  private readonly stripLeadingSpace: boolean;
  private matcherNone: LongestMatcher | undefined;
  private matcherAll: LongestMatcher | undefined;
  private sortedNone: SpecialEntry[] | undefined;
  private sortedAll: SpecialEntry[] | undefined;

  constructor(o: BaseOptions) {
    this.tokens = o.tokens;
    this.vocabSize = o.tokens.length;
    this.bosId = o.bosId;
    this.eosId = o.eosId;
    this.addBos = (o.addBos ?? false) && o.bosId !== undefined;
    this.addEos = (o.addEos ?? false) && o.eosId !== undefined;
    const eog = new Set<number>(o.eogIds ?? []);
    if (o.eosId !== undefined) eog.add(o.eosId);
    this.eogIds = eog;
    this.chatTemplate = o.chatTemplate;
    this.bytesCache = new Array(o.tokens.length);
    this.textCache = new Array(o.tokens.length);
    this.specialEntries = o.special;
    this.alwaysEntries = o.always ?? [];
    this.specialSet = new Set(o.special.map((e) => e.id));
    this.hiddenSet = new Set(o.hiddenIds ?? this.specialSet);
    this.partitionMode = o.partition;
    this.stripLeadingSpace = o.stripLeadingSpace ?? false;
  }

  /**
   * Tokenizes one raw text fragment. `afterSpecial`: the fragment starts the text or follows a
   * special token; `atStart`: it starts the text.
   */
  protected abstract encodeText(text: string, out: number[], afterSpecial: boolean, atStart: boolean): void;

  /** The bytes of a (non-special) id when decoded. */
  protected abstract pieceBytes(id: number): Uint8Array;

  encode(text: string, opts: EncodeOptions = {}): number[] {
    text = toWellFormed(text);
    const out: number[] = [];
    const addSpecial = opts.addSpecial ?? true;
    if (addSpecial && this.addBos) out.push(this.bosId!);
    const frags = text.length === 0 ? [] : this.partition(text, opts.allowSpecial);
    let afterSpecial = true;
    for (let i = 0; i < frags.length; i++) {
      const f = frags[i]!;
      if (typeof f === 'number') {
        out.push(f);
        afterSpecial = true;
      } else {
        this.encodeText(f, out, afterSpecial, i === 0);
        afterSpecial = false;
      }
    }
    if (addSpecial && this.addEos) out.push(this.eosId!);
    return out;
  }

  private partition(text: string, allow: AllowSpecial): Fragment[] {
    const all = allow === true || allow === 'all';
    const set = allow instanceof Set ? (allow as ReadonlySet<string>) : undefined;
    if (this.partitionMode === 'llama') {
      let entries: SpecialEntry[];
      if (all) entries = this.sortedAll ??= sortEntries([...this.alwaysEntries, ...this.specialEntries]);
      else if (set !== undefined) {
        entries = sortEntries([...this.alwaysEntries, ...this.specialEntries.filter((e) => set.has(e.text))]);
      } else entries = this.sortedNone ??= sortEntries([...this.alwaysEntries]);
      return entries.length === 0 ? [text] : partitionLlama(text, entries);
    }
    let m: LongestMatcher;
    if (all) m = this.matcherAll ??= new LongestMatcher([...this.alwaysEntries, ...this.specialEntries]);
    else if (set !== undefined) {
      m = new LongestMatcher([...this.alwaysEntries, ...this.specialEntries.filter((e) => set.has(e.text))]);
    } else m = this.matcherNone ??= new LongestMatcher([...this.alwaysEntries]);
    return m.empty ? [text] : m.partition(text);
  }

  idToToken(id: number): string | undefined {
    return Number.isInteger(id) && id >= 0 && id < this.tokens.length ? this.tokens[id] : undefined;
  }

  tokenToId(token: string): number | undefined {
    if (this.tokenIndex === undefined) {
      const m = new Map<string, number>();
      for (let i = this.tokens.length - 1; i >= 0; i--) m.set(this.tokens[i]!, i);
      this.tokenIndex = m;
    }
    return this.tokenIndex.get(token);
  }

  isSpecial(id: number): boolean {
    return this.specialSet.has(id);
  }

  tokenBytes(id: number): Uint8Array {
    if (!Number.isInteger(id) || id < 0 || id >= this.tokens.length) return new Uint8Array(0);
    let b = this.bytesCache[id];
    if (b === undefined) {
      b =
        this.specialSet.has(id) || this.hiddenSet.has(id)
          ? utf8Encode(this.tokens[id]!)
          : this.pieceBytes(id);
      this.bytesCache[id] = b;
    }
    return b;
  }

  /** Whether `decode` drops this id under the given options. */
  protected dropped(id: number, skipSpecial: boolean): boolean {
    return skipSpecial ? this.hiddenSet.has(id) || this.specialSet.has(id) : false;
  }

  /** The text of an id when its bytes are valid UTF-8 on their own, else null (cached). */
  private tokenText(id: number): string | null {
    let t = this.textCache[id];
    if (t === undefined) {
      try {
        t = strictDecoder.decode(this.tokenBytes(id));
      } catch {
        t = null;
      }
      this.textCache[id] = t;
    }
    return t;
  }

  decode(ids: ArrayLike<number>, opts: DecodeOptions = {}): string {
    const skip = opts.skipSpecial ?? false;
    const out =
      this.partialShare(ids) > 1 / 16 ? this.decodeViaBytes(ids, skip) : this.decodeViaStrings(ids, skip);
    if (this.stripLeadingSpace && out.charCodeAt(0) === 0x20 && !this.startsWithSpecial(ids, skip)) {
      return out.slice(1);
    }
    return out;
  }

  private validId(id: number): boolean {
    return id >= 0 && id < this.tokens.length && Number.isInteger(id);
  }

  /** Share of sampled ids whose bytes are not valid UTF-8 alone (CJK text split in byte tokens). */
  private partialShare(ids: ArrayLike<number>): number {
    const step = Math.max(1, Math.floor(ids.length / 64));
    let seen = 0;
    let partial = 0;
    for (let i = 0; i < ids.length; i += step) {
      const id = ids[i]!;
      if (!this.validId(id)) continue;
      seen++;
      if (this.tokenText(id) === null) partial++;
    }
    return seen === 0 ? 0 : partial / seen;
  }

  /** All bytes into one buffer, one UTF-8 decode: best when many tokens split characters. */
  private decodeViaBytes(ids: ArrayLike<number>, skip: boolean): string {
    let total = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (this.validId(id) && !(skip && this.dropped(id, true))) total += this.tokenBytes(id).length;
    }
    const buf = new Uint8Array(total);
    let o = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!this.validId(id) || (skip && this.dropped(id, true))) continue;
      const b = this.bytesCache[id]!;
      if (b.length > 16) buf.set(b, o);
      else for (let k = 0; k < b.length; k++) buf[o + k] = b[k]!;
      o += b.length;
    }
    return utf8Decode(buf);
  }

  /** Concatenates cached token strings; bytes only for runs of tokens that split a character. */
  private decodeViaStrings(ids: ArrayLike<number>, skip: boolean): string {
    const n = this.tokens.length;
    const texts = this.textCache;
    let out = '';
    let pb = this.pendingBuf; // bytes of a run of tokens that are not valid UTF-8 alone
    let pn = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!(id >= 0 && id < n && Number.isInteger(id)) || (skip && this.dropped(id, true))) continue;
      let t = texts[id];
      if (t === undefined) t = this.tokenText(id);
      if (t !== null) {
        if (pn > 0) {
          out += utf8Decode(pb.subarray(0, pn));
          pn = 0;
        }
        out += t;
      } else {
        const b = this.bytesCache[id]!;
        if (pn + b.length > pb.length) {
          const bigger = new Uint8Array(Math.max(pb.length * 2, pn + b.length));
          bigger.set(pb.subarray(0, pn));
          pb = bigger;
          if (bigger.length <= 1 << 16) this.pendingBuf = bigger;
        }
        for (let k = 0; k < b.length; k++) pb[pn + k] = b[k]!;
        pn += b.length;
      }
    }
    if (pn > 0) out += utf8Decode(pb.subarray(0, pn));
    return out;
  }

  /** The first kept id is a special token rendered as text (its text never starts with a space). */
  private startsWithSpecial(ids: ArrayLike<number>, skip: boolean): boolean {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (this.dropped(id, skip)) continue;
      return this.specialSet.has(id) || this.hiddenSet.has(id);
    }
    return false;
  }

  createDecoder(opts: DecodeOptions = {}): StreamDecoder {
    return new Utf8StreamDecoder(this, opts.skipSpecial ?? false, this.stripLeadingSpace);
  }

  /** @internal used by the stream decoder. */
  keepForDecode(id: number, skipSpecial: boolean): boolean {
    return !this.dropped(id, skipSpecial);
  }
}

function sortEntries(list: SpecialEntry[]): SpecialEntry[] {
  return list
    .map((e, i) => ({ e, i }))
    .sort((a, b) => b.e.text.length - a.e.text.length || a.i - b.i)
    .map((x) => x.e);
}

/** Holds back an incomplete UTF-8 tail so that no character is ever split across pushes. */
class Utf8StreamDecoder implements StreamDecoder {
  private pending = new Uint8Array(0);
  private started = false;

  constructor(
    private readonly tok: BaseTokenizer,
    private readonly skipSpecial: boolean,
    private stripSpace: boolean,
  ) {}

  push(id: number): string {
    if (!this.tok.keepForDecode(id, this.skipSpecial)) return '';
    let b = this.tok.tokenBytes(id);
    if (!this.started) {
      this.started = true;
      if (this.stripSpace && b[0] === 0x20 && !this.tok.isSpecial(id)) b = b.subarray(1);
    }
    const buf = new Uint8Array(this.pending.length + b.length);
    buf.set(this.pending);
    buf.set(b, this.pending.length);
    const cut = completePrefix(buf);
    this.pending = buf.slice(cut);
    return cut === 0 ? '' : utf8Decode(buf.subarray(0, cut));
  }

  flush(): string {
    const rest = this.pending;
    this.pending = new Uint8Array(0);
    return rest.length === 0 ? '' : utf8Decode(rest);
  }
}

/** Length of the longest prefix that does not end inside a (possibly valid) UTF-8 sequence. */
export function completePrefix(b: Uint8Array): number {
  const n = b.length;
  for (let back = 1; back <= 3 && back <= n; back++) {
    const c = b[n - back]!;
    if ((c & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}
