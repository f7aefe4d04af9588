// SentencePiece-style BPE tokenizer.json (Llama-2, TinyLlama, Mistral): spaces become '▁'
// (normalizer Replace/Prepend or pre-tokenizer Metaspace), merges by rank over characters, and
// characters outside the vocabulary fall back to <0xXX> byte tokens (model.byte_fallback) or to
// the unknown token. Runs on the SPM engine with the file's merge table.
import { UnsupportedError } from '../errors.js';
import type { BaseTokenizer } from './base.js';
import type { PairTable } from './bpe-core.js';
import type { SpecialEntry } from './special.js';
import { SpmTokenizer, TokenType } from './spm.js';
import { parseByteToken } from './utf8.js';

type Json = Record<string, unknown>;

export interface HfParts {
  tokens: string[];
  index: Map<string, number>;
  special: SpecialEntry[];
  always: SpecialEntry[];
  pairs: PairTable;
  bosId: number | undefined;
  eosId: number | undefined;
  addBos: boolean;
  addEos: boolean;
  eog: Set<number>;
  chat: string | undefined;
}

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every step of a normalizer / pre-tokenizer / decoder tree, depth first. */
export function steps(v: unknown): Json[] {
  if (!isObj(v)) return [];
  const list = v.normalizers ?? v.pretokenizers ?? v.decoders;
  return Array.isArray(list) ? list.flatMap(steps) : [v];
}

export function spmFromHfParts(root: Json, model: Json, file: string, p: HfParts): BaseTokenizer {
  const norm = steps(root.normalizer);
  const pre = steps(root.pre_tokenizer);
  const isSpace = (x: unknown) => isObj(x) && x.String === ' ';
  const replaces = norm.some((n) => n.type === 'Replace' && isSpace(n.pattern) && n.content === '\u2581');
  const meta = pre.find((n) => n.type === 'Metaspace');
  if (!replaces && meta === undefined) {
    throw new UnsupportedError(
      `${file}: only byte-level BPE or SentencePiece-style BPE ('▁' spaces) tokenizer.json is supported`,
      { field: 'pre_tokenizer', file },
    );
  }
  for (const n of norm) {
    if (n.type !== 'Replace' && n.type !== 'Prepend') {
      throw new UnsupportedError(`${file}: normalizer '${String(n.type)}' is not supported here`, {
        field: 'normalizer',
        file,
      });
    }
  }
  let addSpacePrefix = norm.some((n) => n.type === 'Prepend' && n.prepend === '\u2581');
  let prefixFirstOnly = false;
  if (meta !== undefined) {
    const scheme = meta.prepend_scheme ?? (meta.add_prefix_space === false ? 'never' : 'always');
    addSpacePrefix = scheme !== 'never';
    prefixFirstOnly = scheme === 'first';
  }
  const n = p.tokens.length;
  const types = new Int32Array(n).fill(TokenType.Normal);
  const byteFallback = model.byte_fallback === true;
  for (let i = 0; i < n; i++)
    if (byteFallback && parseByteToken(p.tokens[i]!) !== undefined) types[i] = TokenType.Byte;
  for (const e of p.special) types[e.id] = TokenType.Control;
  for (const e of p.always) types[e.id] = TokenType.UserDefined;
  const unk = typeof model.unk_token === 'string' ? p.index.get(model.unk_token) : undefined;
  if (unk !== undefined) types[unk] = TokenType.Unknown;
  return new SpmTokenizer({
    tokens: p.tokens,
    scores: new Float32Array(n),
    types,
    pairs: p.pairs,
    unkId: byteFallback ? undefined : unk,
    special: p.special,
    always: p.always,
    partition: 'longest',
    bosId: p.bosId,
    eosId: p.eosId,
    addBos: p.addBos,
    addEos: p.addEos,
    eogIds: p.eog,
    chatTemplate: p.chat,
    addSpacePrefix,
    prefixFirstOnly,
    splitWords: meta !== undefined && meta.split !== false,
    stripLeadingSpace: addSpacePrefix,
  });
}
