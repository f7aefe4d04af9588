// Small deterministic stand-ins for tests of the generation layer: a byte-level tokenizer with a
// few multi-byte tokens, and a CausalLM whose logits are a seeded function of the last two tokens
// and the position (so KV-cache reuse, truncation and speculative decoding are observable).
import type { Backend } from '../../backend/backend.js';
import type { CausalLM, LogitsMode, ModelInfo, Session, SessionOptions } from '../../models/causal-lm.js';
import type { DecodeOptions, EncodeOptions, StreamDecoder, Tokenizer } from '../../tokenizers/tokenizer.js';
import { Rng } from '../samplers/rng.js';

const enc = new TextEncoder();

/** Bytes 0..255 are ids 0..255; then `pieces` in order; then BOS and EOS. */
export class FakeTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly addBos = true;
  readonly addEos = false;
  readonly eogIds: ReadonlySet<number>;
  readonly chatTemplate: string | undefined;
  private readonly bytes: Uint8Array[] = [];
  private readonly byText = new Map<string, number>();

  constructor(pieces: readonly string[] = [], chatTemplate?: string) {
    for (let b = 0; b < 256; b++) this.bytes.push(Uint8Array.of(b));
    for (const p of pieces) {
      this.byText.set(p, this.bytes.length);
      this.bytes.push(enc.encode(p));
    }
    this.bosId = this.bytes.length;
    this.eosId = this.bytes.length + 1;
    this.vocabSize = this.bytes.length + 2;
    this.eogIds = new Set([this.eosId]);
    this.chatTemplate = chatTemplate;
  }

  encode(text: string, opts: EncodeOptions = {}): number[] {
    const out: number[] = [];
    if (opts.addSpecial ?? this.addBos) out.push(this.bosId);
    const allow = opts.allowSpecial === true || opts.allowSpecial === 'all';
    let i = 0;
    while (i < text.length) {
      if (allow && text.startsWith('<s>', i)) {
        out.push(this.bosId);
        i += 3;
        continue;
      }
      if (allow && text.startsWith('</s>', i)) {
        out.push(this.eosId);
        i += 4;
        continue;
      }
      let best = '';
      for (const p of this.byText.keys()) if (p.length > best.length && text.startsWith(p, i)) best = p;
      if (best) {
        out.push(this.byText.get(best)!);
        i += best.length;
      } else {
        const cp = text.codePointAt(i)!;
        const ch = String.fromCodePoint(cp);
        for (const b of enc.encode(ch)) out.push(b);
        i += ch.length;
      }
    }
    return out;
  }

  decode(ids: ArrayLike<number>, opts: DecodeOptions = {}): string {
    const d = this.createDecoder(opts);
    let s = '';
    for (let i = 0; i < ids.length; i++) s += d.push(ids[i]!);
    return s + d.flush();
  }

  idToToken(id: number): string | undefined {
    if (id === this.bosId) return '<s>';
    if (id === this.eosId) return '</s>';
    const b = this.bytes[id];
    return b ? new TextDecoder().decode(b) : undefined;
  }

  tokenToId(token: string): number | undefined {
    if (token === '<s>') return this.bosId;
    if (token === '</s>') return this.eosId;
    return (
      this.byText.get(token) ??
      (token.length === 1 && token.charCodeAt(0) < 128 ? token.charCodeAt(0) : undefined)
    );
  }

  tokenBytes(id: number): Uint8Array {
    return this.bytes[id] ?? new Uint8Array(0);
  }

  isSpecial(id: number): boolean {
    return id === this.bosId || id === this.eosId;
  }

  createDecoder(opts: DecodeOptions = {}): StreamDecoder {
    const td = new TextDecoder('utf-8', { fatal: false });
    return {
      push: (id: number) => {
        if (this.isSpecial(id)) return opts.skipSpecial ? '' : (this.idToToken(id) ?? '');
        return td.decode(this.tokenBytes(id), { stream: true });
      },
      flush: () => td.decode(),
    };
  }
}

export interface FakeModelOptions {
  seed?: number;
  contextLength?: number;
  /** Scale of the random logits (larger → peakier distributions). */
  scale?: number;
  /** Contexts whose hash % diverge === 0 use a different table (for draft models). */
  diverge?: number;
  /** Added to every row (e.g. to favour some tokens). */
  bias?: Float32Array;
}

/** A CausalLM whose next-token logits depend on the last two tokens and the position parity. */
export class FakeModel implements CausalLM {
  readonly info: ModelInfo;
  readonly backend = {} as Backend;
  forwardCalls = 0;
  tokensSeen = 0;

  constructor(
    readonly tokenizer: Tokenizer | undefined,
    vocabSize: number,
    readonly opts: FakeModelOptions = {},
  ) {
    this.info = {
      arch: 'fake',
      vocabSize,
      contextLength: opts.contextLength ?? 256,
      dim: 8,
      nLayer: 1,
      params: 0,
      bosId: tokenizer?.bosId,
      eosId: tokenizer?.eosId,
    };
  }

  /** Logits after `ctx` (its last two tokens and length). */
  row(ctx: readonly number[], out: Float32Array): void {
    const a = ctx[ctx.length - 1] ?? -1;
    const b = ctx[ctx.length - 2] ?? -1;
    let h =
      Math.imul(a + 7, 0x9e3779b1) ^ Math.imul(b + 13, 0x85ebca6b) ^ Math.imul(ctx.length & 1, 0xc2b2ae35);
    h >>>= 0;
    const seed = this.opts.seed ?? 1;
    const div = this.opts.diverge ?? 0;
    const rng = new Rng((h ^ (div > 0 && h % div === 0 ? 0xdeadbeef : seed)) >>> 0);
    const scale = this.opts.scale ?? 3;
    for (let i = 0; i < out.length; i++)
      out[i] = (rng.nextFloat() * 2 - 1) * scale + (this.opts.bias?.[i] ?? 0);
  }

  newSession(opts: SessionOptions = {}): Session {
    const model = this;
    const capacity = opts.contextLength ?? this.info.contextLength;
    const maxBatch = opts.maxBatch ?? 512;
    const V = this.info.vocabSize;
    const tokens: number[] = [];
    let out = new Float32Array(V);
    return {
      get pos() {
        return tokens.length;
      },
      capacity,
      forward(ids: ArrayLike<number>, mode: LogitsMode = 'last'): Float32Array {
        if (ids.length > maxBatch) throw new Error(`fake: batch ${ids.length} > maxBatch ${maxBatch}`);
        if (tokens.length + ids.length > capacity) throw new Error('fake: context overflow');
        model.forwardCalls++;
        model.tokensSeen += ids.length;
        const n = ids.length;
        if (mode === 'all' && out.length < n * V) out = new Float32Array(n * V);
        for (let i = 0; i < n; i++) {
          const id = ids[i]!;
          if (!Number.isInteger(id) || id < 0 || id >= V) throw new Error(`fake: bad id ${id}`);
          tokens.push(id);
          if (mode === 'all') model.row(tokens, out.subarray(i * V, (i + 1) * V));
        }
        if (mode === 'last') model.row(tokens, out.subarray(0, V));
        return mode === 'none' ? new Float32Array(0) : out;
      },
      truncate(p: number) {
        if (p < tokens.length) tokens.length = p;
      },
      reset() {
        tokens.length = 0;
      },
      dispose() {},
    };
  }

  forwardBatch(sessions: readonly Session[], toks: readonly ArrayLike<number>[]): Float32Array[] {
    return sessions.map((s, i) => s.forward(toks[i]!, 'last').slice(0, this.info.vocabSize));
  }

  /** Hidden states [T, dim]: row t is a seeded function of tokens 0..t (causal, like a model). */
  embed(tokens: ArrayLike<number>): Float32Array {
    const d = this.info.dim;
    const out = new Float32Array(tokens.length * d);
    let h = (this.opts.seed ?? 1) >>> 0;
    for (let t = 0; t < tokens.length; t++) {
      h = (Math.imul(h ^ (tokens[t]! + 1), 0x9e3779b1) + t) >>> 0;
      const rng = new Rng(h);
      for (let i = 0; i < d; i++) out[t * d + i] = rng.nextFloat() * 2 - 1;
    }
    return out;
  }

  dispose(): void {}
}

/** Plain greedy decoding by full recomputation (the reference for KV-cache and speculative tests). */
export function referenceGreedy(
  model: FakeModel,
  prompt: readonly number[],
  n: number,
  stopIds: ReadonlySet<number>,
): number[] {
  const ctx = [...prompt];
  const row = new Float32Array(model.info.vocabSize);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    model.row(ctx, row);
    let best = 0;
    for (let j = 1; j < row.length; j++) if (row[j]! > row[best]!) best = j;
    if (stopIds.has(best)) break;
    out.push(best);
    ctx.push(best);
  }
  return out;
}
