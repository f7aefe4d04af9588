// Hugging Face `tokenizer.json` (model type BPE, byte-level) + optional `tokenizer_config.json`.
// Supported pieces: normalizers NFC/NFKC/NFD/NFKD/Lowercase/Prepend/Replace/Sequence;
// pre-tokenizers Split (Isolated/Removed), ByteLevel, Digits, Sequence; decoder ByteLevel (and
// the no-op decoders around it); post-processor TemplateProcessing for BOS/EOS.
import { FormatError, UnsupportedError } from '../errors.js';
import type { BaseTokenizer } from './base.js';
import { ByteBpeTokenizer, byteLevelByteIds, type PreTokenizer, pairsFromMerges } from './bpe.js';
import { spmFromHfParts } from './hf-spm.js';
import { GPT2_PATTERN } from './patterns.js';
import { RegexSplitter } from './pretokenize.js';
import type { SpecialEntry } from './special.js';
import { byteToUnicodeTable } from './utf8.js';

type Json = Record<string, unknown>;

const MAX_VOCAB = 1 << 24;
const EOG_TEXTS = [
  '<|eot_id|>',
  '<|im_end|>',
  '<|end|>',
  '<end_of_turn>',
  '<|endoftext|>',
  '<|eom_id|>',
  '<EOT>',
];

export function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: unknown, field: string, file: string): Json {
  if (!isObj(v)) throw new FormatError(`${file}: '${field}' must be an object`, { field, file });
  return v;
}

export function str(v: unknown, field: string, file: string): string {
  if (typeof v !== 'string') throw new FormatError(`${file}: '${field}' must be a string`, { field, file });
  return v;
}

export function optBool(v: unknown, field: string, file: string, dflt: boolean): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') throw new FormatError(`${file}: '${field}' must be a boolean`, { field, file });
  return v;
}

function id(v: unknown, field: string, file: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= MAX_VOCAB) {
    throw new FormatError(`${file}: '${field}' must be a token id (integer in [0, ${MAX_VOCAB}))`, {
      field,
      file,
    });
  }
  return v;
}

type Normalizer = (s: string) => string;

function buildNormalizer(n: unknown, file: string, field = 'normalizer'): Normalizer | undefined {
  if (n === null || n === undefined) return undefined;
  const o = obj(n, field, file);
  const type = str(o.type, `${field}.type`, file);
  switch (type) {
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD':
      return (s) => s.normalize(type);
    case 'Lowercase':
      return (s) => s.toLowerCase();
    case 'Prepend': {
      const p = str(o.prepend, `${field}.prepend`, file);
      return (s) => (s.length === 0 ? s : p + s);
    }
    case 'Replace': {
      const pat = obj(o.pattern, `${field}.pattern`, file);
      const content = str(o.content, `${field}.content`, file);
      if (typeof pat.String === 'string') {
        const from = pat.String;
        return (s) => s.split(from).join(content);
      }
      const re = new RegExp(str(pat.Regex, `${field}.pattern.Regex`, file), 'gu');
      return (s) => s.replace(re, () => content);
    }
    case 'Sequence': {
      const list = o.normalizers;
      if (!Array.isArray(list))
        throw new FormatError(`${file}: '${field}.normalizers' must be an array`, { file });
      const fs = list.map((x, i) => buildNormalizer(x, file, `${field}.normalizers[${i}]`)).filter((f) => f);
      return (s) => fs.reduce((acc, f) => f!(acc), s);
    }
    default:
      throw new UnsupportedError(`${file}: normalizer type '${type}' is not supported`, {
        field: `${field}.type`,
        file,
      });
  }
}

type Step = (piece: string, out: string[]) => void;

function buildPreTokenizer(p: unknown, file: string, field = 'pre_tokenizer'): Step[] {
  if (p === null || p === undefined) return [];
  const o = obj(p, field, file);
  const type = str(o.type, `${field}.type`, file);
  switch (type) {
    case 'Sequence': {
      const list = o.pretokenizers;
      if (!Array.isArray(list))
        throw new FormatError(`${file}: '${field}.pretokenizers' must be an array`, { file });
      return list.flatMap((x, i) => buildPreTokenizer(x, file, `${field}.pretokenizers[${i}]`));
    }
    case 'Split': {
      const pat = obj(o.pattern, `${field}.pattern`, file);
      const behavior = str(o.behavior, `${field}.behavior`, file);
      if (optBool(o.invert, `${field}.invert`, file, false)) {
        throw new UnsupportedError(`${file}: Split with invert=true is not supported`, {
          field: `${field}.invert`,
          file,
        });
      }
      const source =
        typeof pat.String === 'string'
          ? pat.String.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')
          : str(pat.Regex, `${field}.pattern.Regex`, file);
      const splitter = new RegexSplitter(source);
      if (behavior === 'Isolated') return [(s, out) => splitter.split(s, out)];
      if (behavior === 'Removed') {
        const re = splitter.re;
        return [
          (s, out) => {
            for (const part of s.split(re)) if (part !== undefined && part.length > 0) out.push(part);
          },
        ];
      }
      throw new UnsupportedError(`${file}: Split behavior '${behavior}' is not supported`, {
        field: `${field}.behavior`,
        file,
      });
    }
    case 'ByteLevel': {
      const steps: Step[] = [];
      if (optBool(o.add_prefix_space, `${field}.add_prefix_space`, file, true)) {
        steps.push((s, out) => out.push(s.startsWith(' ') ? s : ` ${s}`));
      }
      if (optBool(o.use_regex, `${field}.use_regex`, file, true)) {
        const splitter = new RegexSplitter(GPT2_PATTERN);
        steps.push((s, out) => splitter.split(s, out));
      }
      return steps;
    }
    case 'Digits': {
      const individual = optBool(o.individual_digits, `${field}.individual_digits`, file, false);
      const splitter = new RegexSplitter(individual ? '\\p{Nd}' : '\\p{Nd}+');
      return [(s, out) => splitter.split(s, out)];
    }
    default:
      throw new UnsupportedError(`${file}: pre-tokenizer type '${type}' is not supported`, {
        field: `${field}.type`,
        file,
      });
  }
}

/** Whether a pre-tokenizer / decoder tree has a ByteLevel step. */
export function isByteLevel(p: unknown): boolean {
  if (!isObj(p)) return false;
  if (p.type === 'ByteLevel') return true;
  const list = p.pretokenizers ?? p.decoders;
  return Array.isArray(list) && list.some(isByteLevel);
}

/** Builds a tokenizer from parsed `tokenizer.json` (and optionally `tokenizer_config.json`). */
export function tokenizerFromHfJson(json: unknown, config?: unknown, file = 'tokenizer.json'): BaseTokenizer {
  const root = obj(json, '(root)', file);
  const model = obj(root.model, 'model', file);
  const mtype = model.type === undefined ? 'BPE' : str(model.type, 'model.type', file);
  if (mtype !== 'BPE') {
    throw new UnsupportedError(`${file}: model type '${mtype}' is not supported (only BPE)`, {
      field: 'model.type',
      file,
    });
  }
  const vocab = obj(model.vocab, 'model.vocab', file);
  const entries = Object.entries(vocab);
  let size = 0;
  for (const [k, v] of entries) size = Math.max(size, id(v, `model.vocab["${k}"]`, file) + 1);
  const added = root.added_tokens === undefined || root.added_tokens === null ? [] : root.added_tokens;
  if (!Array.isArray(added))
    throw new FormatError(`${file}: 'added_tokens' must be an array`, { field: 'added_tokens', file });
  const addedParsed = added.map((a, i) => {
    const f = `added_tokens[${i}]`;
    const o = obj(a, f, file);
    return {
      id: id(o.id, `${f}.id`, file),
      text: str(o.content, `${f}.content`, file),
      special: optBool(o.special, `${f}.special`, file, false),
      lstrip: optBool(o.lstrip, `${f}.lstrip`, file, false),
      rstrip: optBool(o.rstrip, `${f}.rstrip`, file, false),
    };
  });
  for (const a of addedParsed) size = Math.max(size, a.id + 1);
  const tokens: string[] = new Array(size).fill('');
  const index = new Map<string, number>();
  for (const [k, v] of entries) {
    tokens[v as number] = k;
    index.set(k, v as number);
  }
  const special: SpecialEntry[] = [];
  const always: SpecialEntry[] = [];
  for (const a of addedParsed) {
    tokens[a.id] = a.text;
    if (!index.has(a.text)) index.set(a.text, a.id);
    (a.special ? special : always).push({ text: a.text, id: a.id, lstrip: a.lstrip, rstrip: a.rstrip });
  }
  const mergesRaw = model.merges ?? [];
  if (!Array.isArray(mergesRaw))
    throw new FormatError(`${file}: 'model.merges' must be an array`, { field: 'model.merges', file });
  const merges: [string, string][] = new Array(mergesRaw.length);
  for (let i = 0; i < mergesRaw.length; i++) {
    const m = mergesRaw[i];
    if (typeof m === 'string') {
      const sp = m.indexOf(' ', 1);
      if (sp < 0)
        throw new FormatError(`${file}: merge ${i} has no space`, { field: `model.merges[${i}]`, file });
      merges[i] = [m.slice(0, sp), m.slice(sp + 1)];
    } else if (Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string') {
      merges[i] = [m[0], m[1]];
    } else {
      throw new FormatError(`${file}: merge ${i} must be "a b" or ["a", "b"]`, {
        field: `model.merges[${i}]`,
        file,
      });
    }
  }
  const lookup = (s: string): number | undefined => index.get(s);
  const pairs = pairsFromMerges(merges, lookup);
  const byteLevel = isByteLevel(root.pre_tokenizer) || isByteLevel(root.decoder);
  const byteToId = byteLevelByteIds(lookup, byteToUnicodeTable());

  const normalize = byteLevel ? buildNormalizer(root.normalizer, file) : undefined;
  const steps = byteLevel ? buildPreTokenizer(root.pre_tokenizer, file) : [];
  const pre: PreTokenizer = (text, out) => {
    let pieces = [normalize === undefined ? text : normalize(text)];
    for (const step of steps) {
      const next: string[] = [];
      for (const p of pieces) step(p, next);
      pieces = next;
    }
    for (const p of pieces) out.push(p);
  };

  // BOS/EOS: tokenizer_config.json first, then the post-processor template.
  const cfg = isObj(config) ? config : {};
  const tokenText = (v: unknown): string | undefined =>
    typeof v === 'string' ? v : isObj(v) && typeof v.content === 'string' ? v.content : undefined;
  const bosText = tokenText(cfg.bos_token);
  const eosText = tokenText(cfg.eos_token);
  let bosId = bosText === undefined ? undefined : index.get(bosText);
  let eosId = eosText === undefined ? undefined : index.get(eosText);
  let addBos = typeof cfg.add_bos_token === 'boolean' ? cfg.add_bos_token : false;
  let addEos = typeof cfg.add_eos_token === 'boolean' ? cfg.add_eos_token : false;
  const post = root.post_processor;
  if (isObj(post) && post.type === 'TemplateProcessing' && Array.isArray(post.single)) {
    const single = post.single as unknown[];
    const specialOf = (x: unknown): number | undefined => {
      if (!isObj(x) || !isObj(x.SpecialToken)) return undefined;
      const name = x.SpecialToken.id;
      return typeof name === 'string' ? index.get(name) : undefined;
    };
    const first = specialOf(single[0]);
    const last = specialOf(single[single.length - 1]);
    if (first !== undefined && typeof cfg.add_bos_token !== 'boolean') {
      bosId = first;
      addBos = true;
    }
    if (last !== undefined && single.length > 1 && typeof cfg.add_eos_token !== 'boolean') {
      eosId = last;
      addEos = true;
    }
  }
  const eog = new Set<number>();
  for (const t of EOG_TEXTS) {
    const i = index.get(t);
    if (i !== undefined) eog.add(i);
  }
  const ignoreMerges = optBool(model.ignore_merges, 'model.ignore_merges', file, false);
  const chat = typeof cfg.chat_template === 'string' ? cfg.chat_template : undefined;
  if (!byteLevel) {
    // SentencePiece-style BPE (Llama-2, TinyLlama, Mistral): '▁' for spaces, byte fallback.
    return spmFromHfParts(root, model, file, {
      tokens,
      index,
      special,
      always,
      pairs,
      bosId,
      eosId,
      addBos,
      addEos,
      eog,
      chat,
    });
  }
  return new ByteBpeTokenizer({
    tokens,
    special,
    always,
    partition: 'longest',
    bosId,
    eosId,
    addBos,
    addEos,
    eogIds: eog,
    chatTemplate: chat,
    byteToId,
    pairs,
    preTokenize: pre,
    ignoreMerges,
    lookup,
    rawTextIds: [...special, ...always].map((e) => e.id),
  });
}
