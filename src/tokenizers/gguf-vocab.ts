// Tokenizer from GGUF metadata (`tokenizer.ggml.*`), following llama.cpp's llama_vocab::load:
// model 'gpt2' -> byte-level BPE with llama.cpp's pre-tokenizer regex lists, 'llama' -> SPM,
// 'bert' -> WordPiece. Token types drive special-token handling exactly as llama.cpp does:
// CONTROL/UNKNOWN tokens are parsed in text only when allowed, USER_DEFINED ones always.
import { FormatError, UnsupportedError } from '../errors.js';
import type { Gguf } from '../io/gguf/index.js';
import {
  getBool,
  getF32Array,
  getI32Array,
  getInt,
  getString,
  getStringArray,
  hasKey,
} from '../io/gguf/index.js';
import type { BaseTokenizer } from './base.js';
import { ByteBpeTokenizer, byteLevelByteIds, pairsFromMerges } from './bpe.js';
import { llamaPreConfig } from './patterns.js';
import { LlamaSplitter } from './pretokenize.js';
import type { SpecialEntry } from './special.js';
import { SpmTokenizer, TokenType } from './spm.js';
import { byteToUnicodeTable } from './utf8.js';
import { WpmTokenizer } from './wpm.js';

const EOG_TEXTS = [
  '<|eot_id|>',
  '<|im_end|>',
  '<|end|>',
  '<end_of_turn>',
  '<|endoftext|>',
  '<|eom_id|>',
  '<EOT>',
];
const EOT_TEXTS = [
  '<|eot_id|>',
  '<|im_end|>',
  '<|end|>',
  '<end_of_turn>',
  '<|endoftext|>',
  '<EOT>',
  '<｜end▁of▁sentence｜>',
];
const FIM_TEXTS = {
  pad: ['<|fim_pad|>', '<fim-pad>', '<PAD>'],
  rep: ['<|fim_repo|>', '<|repo_name|>', '<fim-repo>', '<REPO>'],
  sep: ['<|file_sep|>'],
  pre: ['<|fim_prefix|>', '<fim-prefix>', '<｜fim▁begin｜>', '<PRE>'],
  suf: ['<|fim_suffix|>', '<fim-suffix>', '<｜fim▁hole｜>', '<SUF>'],
  mid: ['<|fim_middle|>', '<fim-middle>', '<｜fim▁end｜>', '<MID>'],
  eom: ['<|eom_id|>'],
};

/** Builds the tokenizer described by a GGUF file's metadata. */
export function tokenizerFromGguf(g: Gguf): BaseTokenizer {
  const file = g.file;
  const model = getString(g, 'tokenizer.ggml.model');
  const pre = hasKey(g, 'tokenizer.ggml.pre') ? getString(g, 'tokenizer.ggml.pre') : undefined;
  const tokens = getStringArray(g, 'tokenizer.ggml.tokens');
  const n = tokens.length;
  if (n === 0)
    throw new FormatError(`${file}: 'tokenizer.ggml.tokens' is empty`, {
      field: 'tokenizer.ggml.tokens',
      file,
    });
  const scoresArr = hasKey(g, 'tokenizer.ggml.scores') ? getF32Array(g, 'tokenizer.ggml.scores') : undefined;
  const typesArr = hasKey(g, 'tokenizer.ggml.token_type')
    ? getI32Array(g, 'tokenizer.ggml.token_type')
    : undefined;
  if (scoresArr !== undefined && scoresArr.length !== n) {
    throw new FormatError(`${file}: 'tokenizer.ggml.scores' has ${scoresArr.length} entries, expected ${n}`, {
      field: 'tokenizer.ggml.scores',
      file,
    });
  }
  if (typesArr !== undefined && typesArr.length !== n) {
    throw new FormatError(
      `${file}: 'tokenizer.ggml.token_type' has ${typesArr.length} entries, expected ${n}`,
      {
        field: 'tokenizer.ggml.token_type',
        file,
      },
    );
  }
  const types = new Int32Array(n).fill(TokenType.Normal);
  if (typesArr !== undefined) types.set(typesArr);
  // llama.cpp names empty tokens [EMPTY_i]
  const toks = tokens.map((t, i) => (t.length === 0 ? `[EMPTY_${i}]` : t));
  const index = new Map<string, number>();
  for (let i = 0; i < n; i++) index.set(toks[i]!, i);

  let bos: number | undefined;
  let eos: number | undefined;
  let unk: number | undefined;
  let sep: number | undefined;
  let addBos = false;
  let addEos = false;
  let addSpacePrefix = false;
  let preCfg: ReturnType<typeof llamaPreConfig> | undefined;
  if (model === 'llama') {
    [bos, eos, unk] = [1, 2, 0];
    addBos = true;
    addSpacePrefix = true;
  } else if (model === 'gpt2') {
    [bos, eos] = [11, 11];
    preCfg = llamaPreConfig(pre, file);
    addBos = preCfg.addBos;
  } else if (model === 'bert') {
    [bos, unk, sep] = [101, 100, 102];
    addBos = true;
  } else {
    throw new UnsupportedError(`${file}: tokenizer model '${model}' is not supported (llama, gpt2, bert)`, {
      field: 'tokenizer.ggml.model',
      file,
    });
  }
  const optId = (key: string, dflt: number | undefined): number | undefined => {
    if (!hasKey(g, key)) return dflt;
    const v = getInt(g, key);
    return v >= 0 && v < n ? v : dflt;
  };
  bos = optId('tokenizer.ggml.bos_token_id', bos);
  eos = optId('tokenizer.ggml.eos_token_id', eos);
  unk = optId('tokenizer.ggml.unknown_token_id', unk);
  sep = optId('tokenizer.ggml.seperator_token_id', sep);
  if (hasKey(g, 'tokenizer.ggml.add_bos_token')) addBos = getBool(g, 'tokenizer.ggml.add_bos_token');
  if (hasKey(g, 'tokenizer.ggml.add_eos_token')) addEos = getBool(g, 'tokenizer.ggml.add_eos_token');
  if (hasKey(g, 'tokenizer.ggml.add_space_prefix'))
    addSpacePrefix = getBool(g, 'tokenizer.ggml.add_space_prefix');
  if (bos !== undefined && bos >= n) bos = undefined;
  if (eos !== undefined && eos >= n) eos = undefined;

  // EOT/EOG auto-detection by text; those tokens become CONTROL (llama.cpp does the same).
  const eog = new Set<number>();
  const forceControl = (id: number) => {
    if (types[id] !== TokenType.Control) types[id] = TokenType.Control;
  };
  const firstOf = (texts: readonly string[]): number | undefined => {
    for (const t of texts) {
      const i = index.get(t);
      if (i !== undefined) return i;
    }
    return undefined;
  };
  const eot = hasKey(g, 'tokenizer.ggml.eot_token_id')
    ? optId('tokenizer.ggml.eot_token_id', undefined)
    : firstOf(EOT_TEXTS);
  for (const list of Object.values(FIM_TEXTS)) {
    const i = firstOf(list);
    if (i !== undefined) forceControl(i);
  }
  for (const list of [FIM_TEXTS.pad, FIM_TEXTS.rep, FIM_TEXTS.sep]) {
    const i = firstOf(list);
    if (i !== undefined) eog.add(i);
  }
  if (eot !== undefined) forceControl(eot);
  for (const t of EOG_TEXTS) {
    const i = index.get(t);
    if (i !== undefined) {
      eog.add(i);
      forceControl(i);
    }
  }
  if (eot !== undefined) eog.add(eot);

  // Per-model attributes llama.cpp hard-codes.
  const name = hasKey(g, 'general.name') ? getString(g, 'general.name').toLowerCase() : '';
  const rstrip = new Set<number>();
  const lstrip = new Set<number>();
  if (pre !== undefined && /jina-v2-(de|es|code)/.test(pre)) {
    const m = index.get('<mask>');
    if (m !== undefined) lstrip.add(m);
  } else if (name.includes('phi-3') || name.includes('phi3')) {
    for (let i = 0; i < n; i++) {
      const t = types[i];
      if (t === TokenType.Control || t === TokenType.UserDefined || t === TokenType.Unknown) rstrip.add(i);
    }
    const s = index.get('</s>');
    if (s !== undefined) rstrip.add(s);
    for (const t of ['<unk>', '<s>', '<|endoftext|>']) {
      const i = index.get(t);
      if (i !== undefined) rstrip.delete(i);
    }
  }
  const entry = (i: number): SpecialEntry => ({
    text: toks[i]!,
    id: i,
    lstrip: lstrip.has(i),
    rstrip: rstrip.has(i),
  });
  const special: SpecialEntry[] = [];
  const always: SpecialEntry[] = [];
  const hidden: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = types[i];
    if (t === TokenType.Control || t === TokenType.Unknown) {
      special.push(entry(i));
      hidden.push(i);
    } else if (t === TokenType.UserDefined) always.push(entry(i));
  }
  const chatTemplate = hasKey(g, 'tokenizer.chat_template')
    ? getString(g, 'tokenizer.chat_template')
    : undefined;
  const base = {
    tokens: toks,
    bosId: bos,
    eosId: eos,
    addBos,
    addEos,
    eogIds: eog,
    chatTemplate,
    special,
    always,
    hiddenIds: hidden,
    partition: 'llama' as const,
  };

  if (model === 'llama') {
    // Without byte-fallback tokens a character outside the vocabulary becomes the unknown token
    // (as SentencePiece and Hugging Face do) instead of vanishing.
    const hasBytes = types.some((t) => t === TokenType.Byte);
    return new SpmTokenizer({
      ...base,
      scores: scoresArr ?? new Float32Array(n),
      types,
      addSpacePrefix,
      stripLeadingSpace: addSpacePrefix,
      unkId: hasBytes ? undefined : unk,
    });
  }
  if (model === 'bert') {
    return new WpmTokenizer({ ...base, eosId: sep, addEos: addBos, unkId: unk ?? 0, types });
  }
  // gpt2: byte-level BPE
  const merges = getStringArray(g, 'tokenizer.ggml.merges').map((m, i): [string, string] => {
    const sp = m.indexOf(' ', 1);
    if (sp < 0)
      throw new FormatError(`${file}: merge ${i} '${m}' has no space`, {
        field: 'tokenizer.ggml.merges',
        file,
      });
    return [m.slice(0, sp), m.slice(sp + 1)];
  });
  const lookup = (s: string) => index.get(s);
  const splitter = new LlamaSplitter(preCfg!.regexes);
  return new ByteBpeTokenizer({
    ...base,
    byteToId: byteLevelByteIds(lookup, byteToUnicodeTable()),
    pairs: pairsFromMerges(merges, lookup),
    preTokenize: (text, out) => splitter.split(text, out),
    ignoreMerges: preCfg!.ignoreMerges,
    lookup,
    rawTextIds: always.map((e) => e.id),
  });
}
