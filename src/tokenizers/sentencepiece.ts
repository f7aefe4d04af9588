// SentencePiece `.model` files (a ModelProto protobuf) and llama2.c `tokenizer.bin`, both turned
// into the SPM tokenizer (LLaMA-1/2 BPE with byte fallback). The protobuf reader is our own and
// only knows the few fields needed; every length is checked against the buffer.
import { FormatError, UnsupportedError } from '../errors.js';
import type { SpecialEntry } from './special.js';
import { SpmTokenizer, TokenType } from './spm.js';
import { parseByteToken, utf8Decode } from './utf8.js';

class ProtoReader {
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    readonly file: string,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  fail(what: string): never {
    throw new FormatError(`${this.file}: malformed protobuf at byte ${this.pos}: ${what}`, {
      field: what,
      file: this.file,
      offset: this.pos,
    });
  }

  varint(): number {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('truncated varint');
      const b = this.buf[this.pos++]!;
      v += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return v;
      mul *= 128;
    }
    return this.fail('varint too long');
  }

  /** Returns [fieldNumber, wireType]. */
  tag(): [number, number] {
    const t = this.varint();
    return [Math.floor(t / 8), t & 7];
  }

  bytes(): [number, number] {
    const len = this.varint();
    if (len > this.end - this.pos) this.fail('length-delimited field past the end');
    const s = this.pos;
    this.pos += len;
    return [s, this.pos];
  }

  f32(): number {
    if (this.end - this.pos < 4) this.fail('truncated float');
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else this.fail(`unsupported wire type ${wire}`);
    if (this.pos > this.end) this.fail('field past the end');
  }
}

export interface RawPiece {
  piece: string;
  score: number;
  type: number;
}

const MAX_PIECES = 1 << 22;

export interface SentencePieceModel {
  pieces: RawPiece[];
  modelType: number;
  addDummyPrefix: boolean;
  unkId: number;
  bosId: number;
  eosId: number;
}

/** Parses the fields of a SentencePiece ModelProto that tokenization needs. */
export function parseSentencePiece(buf: Uint8Array, file = 'tokenizer.model'): SentencePieceModel {
  const r = new ProtoReader(buf, file);
  const pieces: RawPiece[] = [];
  let modelType = 1;
  let addDummyPrefix = true;
  let unkId = 0;
  let bosId = 1;
  let eosId = 2;
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === 2) {
      const [s, e] = r.bytes();
      const p = new ProtoReader(buf, file, s, e);
      const piece: RawPiece = { piece: '', score: 0, type: TokenType.Normal };
      while (!p.done) {
        const [f, w] = p.tag();
        if (f === 1 && w === 2) {
          const [a, b] = p.bytes();
          piece.piece = utf8Decode(buf.subarray(a, b));
        } else if (f === 2 && w === 5) piece.score = p.f32();
        else if (f === 3 && w === 0) piece.type = p.varint();
        else p.skip(w);
      }
      if (pieces.length >= MAX_PIECES) r.fail('too many pieces');
      pieces.push(piece);
    } else if (field === 2 && wire === 2) {
      const [s, e] = r.bytes();
      const t = new ProtoReader(buf, file, s, e);
      while (!t.done) {
        const [f, w] = t.tag();
        if (f === 3 && w === 0) modelType = t.varint();
        else if (f === 40 && w === 0) unkId = t.varint();
        else if (f === 41 && w === 0) bosId = t.varint() | 0;
        else if (f === 42 && w === 0) eosId = t.varint() | 0;
        else t.skip(w);
      }
    } else if (field === 3 && wire === 2) {
      const [s, e] = r.bytes();
      const t = new ProtoReader(buf, file, s, e);
      while (!t.done) {
        const [f, w] = t.tag();
        if (f === 3 && w === 0) addDummyPrefix = t.varint() !== 0;
        else t.skip(w);
      }
    } else r.skip(wire);
  }
  if (pieces.length === 0) throw new FormatError(`${file}: no pieces`, { field: 'pieces', file });
  return { pieces, modelType, addDummyPrefix, unkId, bosId, eosId };
}

/** Builds the tokenizer of a SentencePiece `.model` (BPE models only). */
export function tokenizerFromSentencePiece(buf: Uint8Array, file = 'tokenizer.model'): SpmTokenizer {
  const { pieces, modelType, addDummyPrefix, unkId, bosId, eosId } = parseSentencePiece(buf, file);
  if (modelType !== 2) {
    throw new UnsupportedError(
      `${file}: SentencePiece model_type ${modelType} is not supported (only BPE = 2)`,
      {
        field: 'trainer_spec.model_type',
        file,
      },
    );
  }
  const n = pieces.length;
  const inRange = (i: number) => (i >= 0 && i < n ? i : undefined);
  return buildSpm(
    pieces.map((p) => p.piece),
    Float32Array.from(pieces, (p) => p.score),
    Int32Array.from(pieces, (p) => p.type),
    { bos: inRange(bosId), eos: inRange(eosId), unk: inRange(unkId), addSpacePrefix: addDummyPrefix },
  );
}

function buildSpm(
  tokens: string[],
  scores: Float32Array,
  types: Int32Array,
  o: { bos: number | undefined; eos: number | undefined; unk: number | undefined; addSpacePrefix: boolean },
): SpmTokenizer {
  const special: SpecialEntry[] = [];
  const always: SpecialEntry[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = types[i];
    if (t === TokenType.Control || t === TokenType.Unknown) special.push({ text: tokens[i]!, id: i });
    else if (t === TokenType.UserDefined) always.push({ text: tokens[i]!, id: i });
  }
  return new SpmTokenizer({
    tokens,
    scores,
    types,
    special,
    always,
    partition: 'llama',
    bosId: o.bos,
    eosId: o.eos,
    addBos: true,
    addEos: false,
    addSpacePrefix: o.addSpacePrefix,
    stripLeadingSpace: o.addSpacePrefix,
  });
}

/**
 * llama2.c `tokenizer.bin`: int32 max_token_length, then per token float32 score, int32 length
 * and the bytes. Spaces are stored as ' ' (not '▁') and BOS/EOS as '\n<s>\n' / '\n</s>\n'.
 */
export function tokenizerFromLlama2c(buf: Uint8Array, file = 'tokenizer.bin'): SpmTokenizer {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 4) throw new FormatError(`${file}: too short`, { field: 'max_token_length', file });
  const maxLen = dv.getInt32(0, true);
  if (maxLen <= 0 || maxLen > 1 << 16) {
    throw new FormatError(`${file}: max_token_length ${maxLen} is out of range`, {
      field: 'max_token_length',
      file,
    });
  }
  const tokens: string[] = [];
  const scores: number[] = [];
  let pos = 4;
  while (pos < buf.length) {
    if (buf.length - pos < 8)
      throw new FormatError(`${file}: truncated token ${tokens.length}`, {
        field: `token ${tokens.length}`,
        file,
        offset: pos,
      });
    const score = dv.getFloat32(pos, true);
    const len = dv.getInt32(pos + 4, true);
    pos += 8;
    if (len < 0 || len > maxLen || len > buf.length - pos) {
      throw new FormatError(`${file}: token ${tokens.length} has bad length ${len}`, {
        field: `token ${tokens.length}`,
        file,
        offset: pos - 4,
      });
    }
    tokens.push(utf8Decode(buf.subarray(pos, pos + len)));
    scores.push(score);
    pos += len;
    if (tokens.length > MAX_PIECES) throw new FormatError(`${file}: too many tokens`, { file });
  }
  const types = new Int32Array(tokens.length).fill(TokenType.Normal);
  const toks = tokens.map((t, i) => {
    if (i < 3 && /^\n?<\/?s>\n?$|^<unk>$/.test(t)) {
      types[i] = i === 0 ? TokenType.Unknown : TokenType.Control;
      return t.trim();
    }
    if (parseByteToken(t) !== undefined) {
      types[i] = TokenType.Byte;
      return t;
    }
    return t.replace(/ /g, '\u2581');
  });
  const n = toks.length;
  return buildSpm(toks, Float32Array.from(scores), types, {
    unk: n > 0 ? 0 : undefined,
    bos: n > 1 ? 1 : undefined,
    eos: n > 2 ? 2 : undefined,
    addSpacePrefix: true,
  });
}
