// Tokenizer metadata between formats: HF tokenizer.json (+ tokenizer_config.json) → GGUF
// `tokenizer.ggml.*` keys, GGUF byte-level BPE / SentencePiece (convert-tokenizer-spm-export.ts)
// metadata → tokenizer.json, GGUF → GGUF copy, and
// the byte-level placeholder vocabulary `llmts init` writes when no tokenizer is given.
import { FormatError, UnsupportedError } from '../errors.js';
import {
  type Gguf,
  type GgufKv,
  GgufValueType,
  getInt,
  getString,
  getStringArray,
  hasKey,
} from '../io/gguf/index.js';
import { isByteLevel } from '../tokenizers/hf-json.js';
import { steps } from '../tokenizers/hf-spm.js';
import { GPT2_PATTERN, LLAMA3_PATTERN, QWEN2_PATTERN } from '../tokenizers/patterns.js';
import { byteToUnicodeTable } from '../tokenizers/utf8.js';
import { spmHfJsonFromGguf } from './convert-tokenizer-spm-export.js';

export type MetaEntry = [string, GgufKv];

// llama.cpp token types.
const NORMAL = 1;
const UNKNOWN = 2;
const CONTROL = 3;
const USER_DEFINED = 4;
const UNUSED = 5;
const BYTE = 6;

const str = (value: string): GgufKv => ({ type: GgufValueType.STRING, value });
const u32 = (value: number): GgufKv => ({ type: GgufValueType.UINT32, value });
const bool = (value: boolean): GgufKv => ({ type: GgufValueType.BOOL, value });
const strArr = (values: string[]): GgufKv => ({
  type: GgufValueType.ARRAY,
  value: { itemType: GgufValueType.STRING, values },
});
const i32Arr = (values: Int32Array): GgufKv => ({
  type: GgufValueType.ARRAY,
  value: { itemType: GgufValueType.INT32, values },
});

/** Every `tokenizer.*` key of a GGUF file, verbatim. */
export function copyTokenizerMeta(g: Gguf): MetaEntry[] {
  return [...g.metadata].filter(([k]) => k.startsWith('tokenizer.'));
}

/**
 * A byte-level BPE placeholder vocabulary of `size` tokens: the 256 GPT-2 byte symbols, unused
 * fillers, and `<|endoftext|>` as the last id (BOS = EOS). No merges: text encodes to bytes.
 */
export function placeholderVocabMeta(size: number): MetaEntry[] {
  if (size < 257)
    throw new UnsupportedError(`a placeholder vocabulary needs at least 257 tokens, got ${size}`);
  const b2u = byteToUnicodeTable();
  const tokens: string[] = new Array(size);
  const types = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    if (i < 256) {
      tokens[i] = b2u[i]!;
      types[i] = NORMAL;
    } else {
      tokens[i] = `[PAD${i}]`;
      types[i] = UNUSED;
    }
  }
  tokens[size - 1] = '<|endoftext|>';
  types[size - 1] = CONTROL;
  return [
    ['tokenizer.ggml.model', str('gpt2')],
    ['tokenizer.ggml.pre', str('gpt-2')],
    ['tokenizer.ggml.tokens', strArr(tokens)],
    ['tokenizer.ggml.token_type', i32Arr(types)],
    ['tokenizer.ggml.merges', strArr([])],
    ['tokenizer.ggml.bos_token_id', u32(size - 1)],
    ['tokenizer.ggml.eos_token_id', u32(size - 1)],
  ];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function preName(preTokenizer: unknown): string {
  const patterns: string[] = [];
  const walk = (p: unknown) => {
    if (!isObj(p)) return;
    if (p.type === 'Split' && isObj(p.pattern) && typeof p.pattern.Regex === 'string')
      patterns.push(p.pattern.Regex);
    if (Array.isArray(p.pretokenizers)) p.pretokenizers.forEach(walk);
  };
  walk(preTokenizer);
  if (patterns.includes(LLAMA3_PATTERN)) return 'llama-bpe';
  if (patterns.includes(QWEN2_PATTERN)) return 'qwen2';
  return 'gpt-2';
}

/** SentencePiece-style BPE: spaces become '▁' (a Replace normalizer or a Metaspace pre-tokenizer). */
function spmSpaces(json: Obj): boolean {
  const replaces = steps(json.normalizer).some(
    (n) => n.type === 'Replace' && isObj(n.pattern) && n.pattern.String === ' ' && n.content === '\u2581',
  );
  return replaces || steps(json.pre_tokenizer).some((n) => n.type === 'Metaspace');
}

/**
 * GGUF 'llama' (SentencePiece) vocabulary from a SentencePiece-style BPE tokenizer.json: the same
 * token strings ('▁' spaces); each merge's result gets the score −(rank + 1), so merging by
 * highest score (llama.cpp's SPM tokenizer) follows the BPE merge order; other tokens get −1e9
 * (never preferred as a merge result). Byte-fallback tokens `<0xNN>` are typed BYTE, the unknown
 * token UNKNOWN; the space prefix follows the normalizer's Prepend or Metaspace's scheme.
 */
function spmVocabMeta(
  json: Obj,
  model: Obj,
  tokens: string[],
  types: Int32Array,
  index: Map<string, number>,
  merges: string[],
  cfg: Obj,
): MetaEntry[] {
  const n = tokens.length;
  const scores = new Float32Array(n).fill(-1e9);
  merges.forEach((m, rank) => {
    const sp = m.indexOf(' ');
    const id = index.get(m.slice(0, sp) + m.slice(sp + 1));
    if (id !== undefined && scores[id] === -1e9) scores[id] = -(rank + 1);
  });
  for (let i = 0; i < n; i++) {
    if (types[i] !== NORMAL) continue;
    if (merges.length === 0 || [...tokens[i]!].length === 1) scores[i] = 0; // initial symbols
  }
  const byteFallback = model.byte_fallback === true;
  if (byteFallback) for (let i = 0; i < n; i++) if (/^<0x[0-9A-F]{2}>$/.test(tokens[i]!)) types[i] = BYTE;
  const unk = typeof model.unk_token === 'string' ? index.get(model.unk_token) : undefined;
  if (unk !== undefined) types[unk] = UNKNOWN;
  const prepend = steps(json.normalizer).some((s) => s.type === 'Prepend' && s.prepend === '\u2581');
  const meta = steps(json.pre_tokenizer).find((s) => s.type === 'Metaspace');
  const scheme =
    meta === undefined
      ? undefined
      : (meta.prepend_scheme ?? (meta.add_prefix_space === false ? 'never' : 'always'));
  const out: MetaEntry[] = [
    ['tokenizer.ggml.model', str('llama')],
    ['tokenizer.ggml.tokens', strArr(tokens)],
    [
      'tokenizer.ggml.scores',
      { type: GgufValueType.ARRAY, value: { itemType: GgufValueType.FLOAT32, values: scores } },
    ],
    ['tokenizer.ggml.token_type', i32Arr(types)],
    ['tokenizer.ggml.add_space_prefix', bool(scheme === undefined ? prepend : scheme !== 'never')],
    // The llama model's default is to add BOS: say what the tokenizer does.
    ['tokenizer.ggml.add_bos_token', bool(cfg.add_bos_token === true)],
  ];
  if (unk !== undefined) out.push(['tokenizer.ggml.unknown_token_id', u32(unk)]);
  return out;
}

/** GGUF tokenizer metadata from a BPE tokenizer.json (byte-level, or SentencePiece-style with '▁' spaces) (+ tokenizer_config.json). */
export function ggufMetaFromHfJson(json: unknown, config: unknown, file: string): MetaEntry[] {
  if (!isObj(json) || !isObj(json.model))
    throw new FormatError(`${file}: 'model' must be an object`, { field: 'model', file });
  const model = json.model;
  if (model.type !== undefined && model.type !== 'BPE') {
    throw new UnsupportedError(
      `${file}: only BPE tokenizer.json converts to GGUF (model.type ${String(model.type)})`,
      {
        field: 'model.type',
        file,
      },
    );
  }
  if (!isObj(model.vocab))
    throw new FormatError(`${file}: 'model.vocab' must be an object`, { field: 'model.vocab', file });
  const entries: [string, number][] = [];
  const checkId = (v: unknown, field: string): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= 1 << 24) {
      throw new FormatError(`${file}: ${field} must be a token id`, { field, file });
    }
    return v;
  };
  let size = 0;
  for (const [k, v] of Object.entries(model.vocab)) {
    entries.push([k, checkId(v, `model.vocab["${k}"]`)]);
    size = Math.max(size, (v as number) + 1);
  }
  const added = Array.isArray(json.added_tokens) ? json.added_tokens : [];
  const addedParsed = added.map((a, i) => {
    if (!isObj(a) || typeof a.content !== 'string') {
      throw new FormatError(`${file}: added_tokens[${i}] is malformed`, {
        field: `added_tokens[${i}]`,
        file,
      });
    }
    const id = checkId(a.id, `added_tokens[${i}].id`);
    size = Math.max(size, id + 1);
    return { id, content: a.content, special: a.special === true };
  });
  const tokens: string[] = new Array(size);
  const types = new Int32Array(size).fill(UNUSED);
  for (let i = 0; i < size; i++) tokens[i] = `[PAD${i}]`;
  const index = new Map<string, number>();
  for (const [k, id] of entries) {
    tokens[id] = k;
    types[id] = NORMAL;
    index.set(k, id);
  }
  for (const a of addedParsed) {
    tokens[a.id] = a.content;
    types[a.id] = a.special ? CONTROL : USER_DEFINED;
    index.set(a.content, a.id);
  }
  const rawMerges = Array.isArray(model.merges) ? model.merges : [];
  const merges = rawMerges.map((m, i) => {
    if (typeof m === 'string') return m;
    if (Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string')
      return `${m[0]} ${m[1]}`;
    throw new FormatError(`${file}: merge ${i} must be "a b" or ["a", "b"]`, {
      field: `model.merges[${i}]`,
      file,
    });
  });
  const cfg = isObj(config) ? config : {};
  const spm = !isByteLevel(json.pre_tokenizer) && !isByteLevel(json.decoder) && spmSpaces(json);
  const out: MetaEntry[] = spm
    ? spmVocabMeta(json, model, tokens, types, index, merges, cfg)
    : [
        ['tokenizer.ggml.model', str('gpt2')],
        ['tokenizer.ggml.pre', str(preName(json.pre_tokenizer))],
        ['tokenizer.ggml.tokens', strArr(tokens)],
        ['tokenizer.ggml.token_type', i32Arr(types)],
        ['tokenizer.ggml.merges', strArr(merges)],
      ];
  const text = (v: unknown) =>
    typeof v === 'string' ? v : isObj(v) && typeof v.content === 'string' ? v.content : undefined;
  const idOf = (v: unknown) => {
    const t = text(v);
    return t === undefined ? undefined : index.get(t);
  };
  const bos = idOf(cfg.bos_token);
  const eos = idOf(cfg.eos_token);
  if (bos !== undefined) out.push(['tokenizer.ggml.bos_token_id', u32(bos)]);
  if (eos !== undefined) out.push(['tokenizer.ggml.eos_token_id', u32(eos)]);
  if (typeof cfg.add_bos_token === 'boolean' && !spm)
    out.push(['tokenizer.ggml.add_bos_token', bool(cfg.add_bos_token)]);
  if (typeof cfg.add_eos_token === 'boolean')
    out.push(['tokenizer.ggml.add_eos_token', bool(cfg.add_eos_token)]);
  if (typeof cfg.chat_template === 'string') out.push(['tokenizer.chat_template', str(cfg.chat_template)]);
  return out;
}

const PRE_PATTERNS: Readonly<Record<string, string>> = {
  'gpt-2': GPT2_PATTERN,
  'llama-bpe': LLAMA3_PATTERN,
  llama3: LLAMA3_PATTERN,
  qwen2: QWEN2_PATTERN,
};

/**
 * tokenizer.json + tokenizer_config.json objects for a GGUF byte-level BPE ('gpt2') or
 * SentencePiece ('llama') vocabulary; undefined for vocabularies this converter does not export
 * (WordPiece, unknown pre-tokenizers, SentencePiece pieces BPE merges cannot reach).
 */
export function hfJsonFromGguf(g: Gguf): { tokenizer: Obj; config: Obj } | undefined {
  const kind = hasKey(g, 'tokenizer.ggml.model') ? getString(g, 'tokenizer.ggml.model') : undefined;
  if (kind === 'llama') {
    try {
      return spmHfJsonFromGguf(g);
    } catch (e) {
      if (e instanceof UnsupportedError) return undefined; // no exact tokenizer.json form
      throw e;
    }
  }
  if (kind !== 'gpt2') return undefined;
  const tokens = getStringArray(g, 'tokenizer.ggml.tokens');
  const types = hasKey(g, 'tokenizer.ggml.token_type')
    ? (g.metadata.get('tokenizer.ggml.token_type')!.value as { values: ArrayLike<number> }).values
    : undefined;
  const merges = hasKey(g, 'tokenizer.ggml.merges') ? getStringArray(g, 'tokenizer.ggml.merges') : [];
  const pre = hasKey(g, 'tokenizer.ggml.pre') ? getString(g, 'tokenizer.ggml.pre') : 'gpt-2';
  const pattern = PRE_PATTERNS[pre];
  if (pattern === undefined) return undefined;
  const vocab: Obj = Object.create(null) as Obj; // token strings may be '__proto__'
  const added: Obj[] = [];
  tokens.forEach((t, id) => {
    const ty = types?.[id] ?? NORMAL;
    if (ty === CONTROL || ty === USER_DEFINED) {
      added.push({
        id,
        content: t,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: ty === CONTROL,
      });
    }
    if (!Object.hasOwn(vocab, t)) vocab[t] = id;
  });
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false };
  const tokenizer: Obj = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: pattern }, behavior: 'Isolated', invert: false },
        byteLevel,
      ],
    },
    post_processor: null,
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges,
    },
  };
  const config: Obj = {};
  const tokenAt = (key: string) => {
    if (!hasKey(g, key)) return undefined;
    const id = getInt(g, key);
    return tokens[id];
  };
  const bos = tokenAt('tokenizer.ggml.bos_token_id');
  const eos = tokenAt('tokenizer.ggml.eos_token_id');
  if (bos !== undefined) config.bos_token = bos;
  if (eos !== undefined) config.eos_token = eos;
  for (const k of ['add_bos_token', 'add_eos_token']) {
    const kv = g.metadata.get(`tokenizer.ggml.${k}`);
    if (kv !== undefined && typeof kv.value === 'boolean') config[k] = kv.value;
  }
  if (hasKey(g, 'tokenizer.chat_template')) config.chat_template = getString(g, 'tokenizer.chat_template');
  return { tokenizer, config };
}
