// GGUF 'llama' (SentencePiece) vocabulary → Hugging Face tokenizer.json + tokenizer_config.json,
// shaped as transformers' LlamaConverter writes it for LlamaTokenizerFast: a BPE model with byte
// fallback over the GGUF tokens (ids unchanged), merges derived from the SentencePiece scores the
// way SentencePieceExtractor / generate_merges does, the legacy normalizer Prepend('▁') +
// Replace(' ', '▁'), no pre-tokenizer, and the decoder Replace('▁', ' ') + ByteFallback + Fuse +
// Strip(' ', 1, 0). Control, unknown and user-defined tokens become added_tokens.
import { FormatError, UnsupportedError } from '../errors.js';
import {
  type Gguf,
  getBool,
  getF32Array,
  getI32Array,
  getInt,
  getString,
  getStringArray,
  hasKey,
} from '../io/gguf/index.js';

type Obj = Record<string, unknown>;

export interface HfTokenizerFiles {
  /** tokenizer.json */
  tokenizer: Obj;
  /** tokenizer_config.json */
  config: Obj;
}

// llama.cpp token types (tokenizer.ggml.token_type).
const UNDEFINED = 0;
const NORMAL = 1;
const UNKNOWN = 2;
const CONTROL = 3;
const USER_DEFINED = 4;
const BYTE = 6;

/** Σ len² over the pieces (the cost of trying every split): beyond this the vocabulary is refused. */
const MAX_SPLIT_WORK = 1 << 28;
/** Characters in all merges together (the tokenizer.json must stay a sane size). */
const MAX_MERGE_CHARS = 1 << 27;

const BYTE_TOKEN = /^<0x[0-9A-F]{2}>$/;

interface Merge {
  left: string;
  right: string;
  score: number;
  lenL: number;
  lenR: number;
}

/** Length in code points (Python's len), for strings decoded from UTF-8 (no lone surrogates). */
function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++;
  }
  return n;
}

/**
 * BPE merges of a SentencePiece vocabulary, as transformers' `generate_merges(vocab, vocab_scores)`
 * derives them: for every piece, every split into two pieces that are both in the vocabulary is a
 * merge (a piece's splits ordered by the parts' ids); then all merges are sorted, stably, by the
 * merged piece's score, then the left and right lengths, all descending. Duplicate token texts
 * keep their last id and score at their first position, as Python dicts do.
 */
export function spmMerges(
  tokens: readonly string[],
  scores: ArrayLike<number>,
  file = '',
): [string, string][] {
  const fail = (what: string): never => {
    throw new FormatError(`${file}: 'tokenizer.ggml.tokens' ${what}`, {
      field: 'tokenizer.ggml.tokens',
      file,
    });
  };
  const idOf = new Map<string, number>();
  const scoreOf = new Map<string, number>();
  for (let i = 0; i < tokens.length; i++) {
    idOf.set(tokens[i]!, i);
    scoreOf.set(tokens[i]!, scores[i]!);
  }
  const merges: Merge[] = [];
  let work = 0;
  let chars = 0;
  const local: { m: Merge; a: number; b: number }[] = [];
  for (const [piece, score] of scoreOf) {
    const len = piece.length;
    if (len < 2) continue;
    work += len * len;
    if (work > MAX_SPLIT_WORK) fail('has pieces too long to derive merges from');
    local.length = 0;
    for (let k = 1; k < len; k++) {
      const c = piece.charCodeAt(k);
      if (c >= 0xdc00 && c <= 0xdfff) continue; // inside a surrogate pair
      const left = piece.slice(0, k);
      const a = idOf.get(left);
      if (a === undefined) continue;
      const right = piece.slice(k);
      const b = idOf.get(right);
      if (b === undefined) continue;
      local.push({ m: { left, right, score, lenL: codePoints(left), lenR: codePoints(right) }, a, b });
    }
    if (local.length === 0) continue;
    chars += local.length * (len + 1);
    if (chars > MAX_MERGE_CHARS) fail('yields too many merges for a tokenizer.json');
    local.sort((x, y) => x.a - y.a || x.b - y.b);
    for (const l of local) merges.push(l.m);
  }
  merges.sort((x, y) => {
    if (x.score !== y.score) return x.score > y.score ? -1 : 1;
    return y.lenL - x.lenL || y.lenR - x.lenR;
  });
  return merges.map((m) => [m.left, m.right]);
}

/**
 * llama.cpp merges two adjacent symbols whenever their concatenation is a piece, and its first
 * symbols are characters, pieces or not; BPE merges need both parts in the vocabulary. So a piece
 * made of a character that is not itself a piece plus another symbol (truncated or hand-made
 * vocabularies; never a trained SentencePiece model) has no tokenizer.json equivalent:
 * UnsupportedError naming it.
 */
function unreachablePiece(tokens: readonly string[], file: string): void {
  const vocab = new Set(tokens);
  const lone = (s: string) => !vocab.has(s) && s.length === (s.codePointAt(0)! > 0xffff ? 2 : 1);
  const symbol = (s: string) => vocab.has(s) || lone(s);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const w0 = t.codePointAt(0)! > 0xffff ? 2 : 1;
    if (t.length <= w0) continue; // one character
    const w1 = t.codePointAt(t.length - 2)! > 0xffff ? 2 : 1;
    const bad =
      (w0 < t.length && lone(t.slice(0, w0)) && symbol(t.slice(w0))) ||
      (w1 < t.length && lone(t.slice(t.length - w1)) && symbol(t.slice(0, t.length - w1)));
    if (bad) {
      throw new UnsupportedError(
        `${file}: piece ${i} ${JSON.stringify(t.slice(0, 40))} is built from a character that is not a piece; BPE merges cannot express that, so this vocabulary has no exact tokenizer.json`,
        { field: 'tokenizer.ggml.tokens', file },
      );
    }
  }
}

/** An optional token id key: undefined when absent or outside the vocabulary (e.g. 0xFFFFFFFF). */
function optId(g: Gguf, key: string, n: number, dflt: number | undefined): number | undefined {
  if (!hasKey(g, key)) return dflt !== undefined && dflt < n ? dflt : undefined;
  const v = getInt(g, key);
  return v >= 0 && v < n ? v : undefined;
}

function readVocab(g: Gguf): { tokens: string[]; scores: Float32Array; types: Int32Array } {
  const file = g.file;
  const tokens = getStringArray(g, 'tokenizer.ggml.tokens');
  const n = tokens.length;
  if (n === 0)
    throw new FormatError(`${file}: 'tokenizer.ggml.tokens' is empty`, {
      field: 'tokenizer.ggml.tokens',
      file,
    });
  if (!hasKey(g, 'tokenizer.ggml.scores')) {
    throw new FormatError(
      `${file}: 'tokenizer.ggml.scores' is missing (a SentencePiece vocabulary's merges come from its scores)`,
      { field: 'tokenizer.ggml.scores', file },
    );
  }
  const scores = getF32Array(g, 'tokenizer.ggml.scores');
  if (scores.length !== n) {
    throw new FormatError(`${file}: 'tokenizer.ggml.scores' has ${scores.length} entries, expected ${n}`, {
      field: 'tokenizer.ggml.scores',
      file,
    });
  }
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i]!))
      throw new FormatError(`${file}: 'tokenizer.ggml.scores'[${i}] is NaN`, {
        field: 'tokenizer.ggml.scores',
        file,
      });
  }
  const types = new Int32Array(n).fill(NORMAL);
  if (hasKey(g, 'tokenizer.ggml.token_type')) {
    const t = getI32Array(g, 'tokenizer.ggml.token_type');
    if (t.length !== n) {
      throw new FormatError(`${file}: 'tokenizer.ggml.token_type' has ${t.length} entries, expected ${n}`, {
        field: 'tokenizer.ggml.token_type',
        file,
      });
    }
    types.set(t);
  }
  const seenBytes = new Set<string>();
  for (let i = 0; i < n; i++) {
    const ty = types[i]!;
    if (ty < UNDEFINED || ty > BYTE) {
      throw new FormatError(`${file}: 'tokenizer.ggml.token_type'[${i}] = ${ty} is not a token type`, {
        field: 'tokenizer.ggml.token_type',
        file,
      });
    }
    if (ty !== BYTE) continue;
    const t = tokens[i]!;
    if (!BYTE_TOKEN.test(t) || seenBytes.has(t)) {
      throw new FormatError(
        `${file}: 'tokenizer.ggml.tokens'[${i}] ${JSON.stringify(t.slice(0, 40))} is typed BYTE but is not a distinct <0xNN> (uppercase hex)`,
        { field: 'tokenizer.ggml.tokens', file },
      );
    }
    seenBytes.add(t);
  }
  return { tokens, scores, types };
}

interface SpecialTok {
  text: string;
  id: number;
}

/** TemplateProcessing as LlamaTokenizerFast.update_post_processor builds it; null when it adds nothing. */
function postProcessor(bos: SpecialTok | undefined, eos: SpecialTok | undefined): Obj | null {
  if (bos === undefined && eos === undefined) return null;
  const tok = (t: SpecialTok, typeId: number) => ({ SpecialToken: { id: t.text, type_id: typeId } });
  const seq = (s: string, typeId: number) => ({ Sequence: { id: s, type_id: typeId } });
  const single: Obj[] = [];
  const pair: Obj[] = [];
  if (bos !== undefined) single.push(tok(bos, 0));
  single.push(seq('A', 0));
  if (eos !== undefined) single.push(tok(eos, 0));
  pair.push(...single);
  if (bos !== undefined) pair.push(tok(bos, 1));
  pair.push(seq('B', 1));
  if (eos !== undefined) pair.push(tok(eos, 1));
  const specials: Obj = Object.create(null) as Obj;
  for (const t of [bos, eos]) {
    if (t !== undefined) specials[t.text] = { id: t.text, ids: [t.id], tokens: [t.text] };
  }
  return { type: 'TemplateProcessing', single, pair, special_tokens: specials };
}

/** tokenizer.json + tokenizer_config.json for a GGUF 'llama' (SentencePiece BPE) vocabulary. */
export function spmHfJsonFromGguf(g: Gguf): HfTokenizerFiles {
  const { tokens, scores, types } = readVocab(g);
  const n = tokens.length;
  // llama.cpp's defaults for 'llama' vocabularies: BOS 1, EOS 2, UNK 0, add BOS, prefix a space.
  const bos = optId(g, 'tokenizer.ggml.bos_token_id', n, 1);
  const eos = optId(g, 'tokenizer.ggml.eos_token_id', n, 2);
  const unk = optId(g, 'tokenizer.ggml.unknown_token_id', n, 0);
  const pad = optId(g, 'tokenizer.ggml.padding_token_id', n, undefined);
  const flag = (key: string, dflt: boolean) => (hasKey(g, key) ? getBool(g, key) : dflt);
  const addBos = flag('tokenizer.ggml.add_bos_token', true);
  const addEos = flag('tokenizer.ggml.add_eos_token', false);
  const addSpacePrefix = flag('tokenizer.ggml.add_space_prefix', true);

  unreachablePiece(tokens, g.file);
  // Phi-3's tokenizer.json eats the whitespace after its added tokens (rstrip); llama.cpp
  // recognizes the model by name and does the same, and so does this export.
  const name = hasKey(g, 'general.name') ? getString(g, 'general.name').toLowerCase() : '';
  const phi3 = name.includes('phi-3') || name.includes('phi3');
  const noStrip = new Set(['<unk>', '<s>', '<|endoftext|>']);
  const vocab: Obj = Object.create(null) as Obj; // token texts may be '__proto__'
  const added: Obj[] = [];
  let hasBytes = false;
  for (let id = 0; id < n; id++) {
    const t = tokens[id]!;
    vocab[t] = id; // a duplicated text keeps its last id (llama.cpp and transformers agree)
    const ty = types[id]!;
    if (ty === BYTE) hasBytes = true;
    // UNUSED and UNDEFINED tokens stay ordinary vocabulary entries (HF has no such type)
    if (ty === CONTROL || ty === UNKNOWN || ty === USER_DEFINED || id === unk) {
      added.push({
        id,
        content: t,
        single_word: false,
        lstrip: false,
        rstrip: phi3 && !noStrip.has(t),
        normalized: false,
        special: ty !== USER_DEFINED,
      });
    }
  }
  const merges = spmMerges(tokens, scores, g.file);
  // "a b" strings as older tokenizers versions read them, unless a part holds a space.
  const spaced = merges.some(([a, b]) => a.includes(' ') || b.includes(' '));
  const replace = { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' };
  const decoders: Obj[] = [
    { type: 'Replace', pattern: { String: '\u2581' }, content: ' ' },
    { type: 'ByteFallback' },
    { type: 'Fuse' },
  ];
  if (addSpacePrefix) decoders.push({ type: 'Strip', content: ' ', start: 1, stop: 0 });
  const special = (id: number | undefined, on: boolean) =>
    on && id !== undefined ? { text: tokens[id]!, id } : undefined;
  const tokenizer: Obj = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: {
      type: 'Sequence',
      normalizers: addSpacePrefix ? [{ type: 'Prepend', prepend: '\u2581' }, replace] : [replace],
    },
    pre_tokenizer: null,
    post_processor: postProcessor(special(bos, addBos), special(eos, addEos)),
    decoder: { type: 'Sequence', decoders },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: unk === undefined ? null : tokens[unk],
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      // without <0xNN> tokens an unknown character becomes the unknown token, as in llama.cpp
      byte_fallback: hasBytes,
      vocab,
      merges: spaced ? merges : merges.map(([a, b]) => `${a} ${b}`),
    },
  };

  const config: Obj = {
    tokenizer_class: 'LlamaTokenizer',
    add_bos_token: addBos,
    add_eos_token: addEos,
    // legacy: a '▁' is prepended after special tokens too, as llama.cpp does
    legacy: true,
    clean_up_tokenization_spaces: false,
  };
  if (bos !== undefined) config.bos_token = tokens[bos];
  if (eos !== undefined) config.eos_token = tokens[eos];
  if (unk !== undefined) config.unk_token = tokens[unk];
  if (pad !== undefined) config.pad_token = tokens[pad];
  const arch = hasKey(g, 'general.architecture') ? getString(g, 'general.architecture') : undefined;
  const ctxKey = `${arch}.context_length`;
  if (arch !== undefined && hasKey(g, ctxKey)) config.model_max_length = getInt(g, ctxKey);
  if (hasKey(g, 'tokenizer.chat_template')) config.chat_template = getString(g, 'tokenizer.chat_template');
  return { tokenizer, config };
}
