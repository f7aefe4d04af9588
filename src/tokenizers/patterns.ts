// Named pre-tokenizer patterns (as the reference tools spell them) and llama.cpp's
// `tokenizer.ggml.pre` -> regex-list table (llama-vocab.cpp, llm_tokenizer_bpe).
import { UnsupportedError } from '../errors.js';

export const GPT2_PATTERN =
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

export const LLAMA3_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** cl100k_base (tiktoken's possessive quantifiers dropped: equivalent for this pattern). */
export const CL100K_PATTERN = LLAMA3_PATTERN;

export const QWEN2_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

export const O200K_PATTERN = [
  "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
  "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
  '\\p{N}{1,3}',
  ' ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*',
  '\\s*[\\r\\n]+',
  '\\s+(?!\\S)',
  '\\s+',
].join('|');

/** Pattern names accepted by the trainer and the CLI. */
export const NAMED_PATTERNS: Readonly<Record<string, string>> = {
  gpt2: GPT2_PATTERN,
  llama3: LLAMA3_PATTERN,
  cl100k: CL100K_PATTERN,
  qwen2: QWEN2_PATTERN,
  o200k: O200K_PATTERN,
};

// llama.cpp spells them without the trailing `|\s+` in some lists and with its own adaptations.
const L_GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
const L_LLAMA3 =
  "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const L_QWEN2 =
  "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const DEEPSEEK_LETTERS =
  'A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-\\u1F7Dᾀ-ᾴᾶ-ᾼ\\u1FBEῂ-ῄῆ-ῌῐ-\\u1FD3ῖ-\\u1FDBῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤ\\u2126ℨ\\u212A-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃';

const DEFAULT_LIST = ['[\\p{P}\\$\\+<=>\\^~\\|]+', L_GPT2, '\\p{N}+', '[0-9][0-9][0-9]'];

/** llama.cpp pre-tokenizer name -> { regex list, ignore_merges, add_bos, clean_spaces }. */
export interface LlamaPreConfig {
  regexes: readonly string[];
  ignoreMerges: boolean;
  addBos: boolean;
}

export function llamaPreConfig(pre: string | undefined, file?: string): LlamaPreConfig {
  const cfg = (regexes: readonly string[], ignoreMerges = false, addBos = false): LlamaPreConfig => ({
    regexes,
    ignoreMerges,
    addBos,
  });
  switch (pre ?? 'default') {
    case 'default':
      return cfg(DEFAULT_LIST);
    case 'llama3':
    case 'llama-v3':
    case 'llama-bpe':
    case 'falcon3':
      return cfg([L_LLAMA3], true, true);
    case 'dbrx':
    case 'smaug-bpe':
    case 'chatglm-bpe':
      return cfg([L_LLAMA3]);
    case 'deepseek-llm':
      return cfg([
        '[\r\n]',
        `\\s?[${DEEPSEEK_LETTERS}]+`,
        '\\s?[!-/:-~！-／：-～‘-‟　-。]+',
        '\\s+$',
        '[一-龥ࠀ-一가-퟿]+',
        '\\p{N}+',
      ]);
    case 'deepseek-coder':
      return cfg(['[\r\n]', '\\s?\\p{L}+', '\\s?\\p{P}+', '[一-龥ࠀ-一가-퟿]+', '\\p{N}']);
    case 'falcon':
      return cfg(['[\\p{P}\\$\\+<=>\\^~\\|`]+', L_GPT2, '[0-9][0-9][0-9]']);
    case 'starcoder':
    case 'refact':
    case 'command-r':
    case 'smollm':
    case 'codeshell':
    case 'exaone':
    case 'minerva-7b':
      return cfg(['\\p{N}', L_GPT2]);
    case 'gpt-2':
    case 'phi-2':
    case 'jina-es':
    case 'jina-de':
    case 'gigachat':
    case 'jina-v1-en':
    case 'jina-v2-es':
    case 'jina-v2-de':
    case 'jina-v2-code':
    case 'roberta-bpe':
    case 'mpt':
    case 'olmo':
    case 'jais':
      return cfg([L_GPT2]);
    case 'qwen2':
    case 'stablelm2':
    case 'megrez':
      return cfg([L_QWEN2]);
    case 'poro-chat':
    case 'bloom':
    case 'gpt3-finnish':
      return cfg([' ?[^(\\s|.,!?…。，、।۔،)]+']);
    case 'viking':
      return cfg([' ?[^(\\s|.,!?…。，、।۔،)]+', '\\p{N}']);
    default:
      throw new UnsupportedError(`unknown pre-tokenizer type '${pre}'`, {
        field: 'tokenizer.ggml.pre',
        file,
      });
  }
}
