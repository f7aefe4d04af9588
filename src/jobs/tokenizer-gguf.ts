// Tokenizer → GGUF metadata (`tokenizer.ggml.*`), as llama.cpp's convert_hf_to_gguf.py writes it
// for byte-level BPE tokenizers, plus the byte-level "bytes" tokenizer used for character-level
// training. Input is a Hugging Face tokenizer.json object (validated by the tokenizer loader).
import { FormatError } from '../errors.js';
import { type GgufKv, GgufValueType } from '../io/gguf/index.js';

/** GPT-2's byte → printable-unicode table (bytes_to_unicode). */
export function byteToUnicode(): string[] {
  const table: string[] = new Array(256);
  const direct: number[] = [];
  for (let b = 33; b <= 126; b++) direct.push(b);
  for (let b = 161; b <= 172; b++) direct.push(b);
  for (let b = 174; b <= 255; b++) direct.push(b);
  const isDirect = new Set(direct);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (isDirect.has(b)) table[b] = String.fromCodePoint(b);
    else table[b] = String.fromCodePoint(256 + n++);
  }
  return table;
}

export const BYTES_EOT = '<|endoftext|>';

/** A tokenizer.json with one token per byte (id = byte value) and `<|endoftext|>` = 256. */
export function bytesTokenizerJson(): Record<string, unknown> {
  const table = byteToUnicode();
  const vocab: Record<string, number> = {};
  for (let b = 0; b < 256; b++) vocab[table[b]!] = b;
  vocab[BYTES_EOT] = 256;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      {
        id: 256,
        content: BYTES_EOT,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      },
    ],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
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
      merges: [],
    },
  };
}

const GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

function str(value: string): GgufKv {
  return { type: GgufValueType.STRING, value };
}

function u32(value: number): GgufKv {
  return { type: GgufValueType.UINT32, value };
}

/**
 * `tokenizer.ggml.*` entries for a byte-level BPE tokenizer.json. `pre` names llama.cpp's
 * pre-tokenizer (`gpt-2` unless given). BOS/EOS default to `<|endoftext|>` when present.
 */
export function ggufTokenizerEntries(
  json: unknown,
  file = 'tokenizer.json',
  pre?: string,
): [string, GgufKv][] {
  const j = json as { model?: { type?: unknown; vocab?: unknown; merges?: unknown }; added_tokens?: unknown };
  const model = j.model;
  if (
    model === undefined ||
    model.type !== 'BPE' ||
    typeof model.vocab !== 'object' ||
    model.vocab === null
  ) {
    throw new FormatError(`${file}: only BPE tokenizer.json files can be written to GGUF`, {
      file,
      field: 'model.type',
    });
  }
  const vocab = model.vocab as Record<string, unknown>;
  const byId = new Map<number, string>();
  for (const [tok, id] of Object.entries(vocab)) {
    if (!Number.isSafeInteger(id) || (id as number) < 0)
      throw new FormatError(`${file}: bad id for ${tok}`, { file, field: 'model.vocab' });
    byId.set(id as number, tok);
  }
  const types = new Map<number, number>();
  const added = Array.isArray(j.added_tokens)
    ? (j.added_tokens as { id?: unknown; content?: unknown; special?: unknown }[])
    : [];
  for (const a of added) {
    if (!Number.isSafeInteger(a.id) || typeof a.content !== 'string') {
      throw new FormatError(`${file}: malformed added_tokens entry`, { file, field: 'added_tokens' });
    }
    byId.set(a.id as number, a.content);
    types.set(a.id as number, a.special === true ? 3 : 4); // CONTROL or USER_DEFINED
  }
  const n = byId.size === 0 ? 0 : Math.max(...byId.keys()) + 1;
  const tokens: string[] = new Array(n);
  const tokenType = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const t = byId.get(i);
    tokens[i] = t ?? `[PAD${i}]`;
    tokenType[i] = t === undefined ? 5 : (types.get(i) ?? 1); // 5 = UNUSED
  }
  const mergesRaw = Array.isArray(model.merges) ? model.merges : [];
  const merges = mergesRaw.map((m) => (Array.isArray(m) ? `${m[0]} ${m[1]}` : String(m)));
  const out: [string, GgufKv][] = [
    ['tokenizer.ggml.model', str('gpt2')],
    ['tokenizer.ggml.pre', str(pre ?? 'gpt-2')],
    [
      'tokenizer.ggml.tokens',
      { type: GgufValueType.ARRAY, value: { itemType: GgufValueType.STRING, values: tokens } },
    ],
    [
      'tokenizer.ggml.token_type',
      { type: GgufValueType.ARRAY, value: { itemType: GgufValueType.INT32, values: tokenType } },
    ],
    [
      'tokenizer.ggml.merges',
      { type: GgufValueType.ARRAY, value: { itemType: GgufValueType.STRING, values: merges } },
    ],
  ];
  const eot = tokens.indexOf(BYTES_EOT);
  if (eot >= 0) {
    out.push(['tokenizer.ggml.bos_token_id', u32(eot)], ['tokenizer.ggml.eos_token_id', u32(eot)]);
  }
  out.push(['tokenizer.ggml.add_bos_token', { type: GgufValueType.BOOL, value: false }]);
  return out;
}

export { GPT2_PATTERN };
