// OpenAI's GPT-2 files: `encoder.json` (token -> id) + `vocab.bpe` (merges, one "a b" per line
// after a '#version' header). Built as the equivalent byte-level tokenizer.json.
import { FormatError } from '../errors.js';
import type { BaseTokenizer } from './base.js';
import { tokenizerFromHfJson } from './hf-json.js';

export function tokenizerFromGpt2Files(
  encoder: unknown,
  vocabBpe: string,
  files: { encoder?: string; vocab?: string } = {},
): BaseTokenizer {
  const encFile = files.encoder ?? 'encoder.json';
  const vocabFile = files.vocab ?? 'vocab.bpe';
  if (typeof encoder !== 'object' || encoder === null || Array.isArray(encoder)) {
    throw new FormatError(`${encFile}: must be an object of token -> id`, { field: '(root)', file: encFile });
  }
  const merges: string[] = [];
  const lines = vocabBpe.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.length === 0 || (i === 0 && line.startsWith('#version'))) continue;
    if (line.indexOf(' ', 1) < 0) {
      throw new FormatError(`${vocabFile}: line ${i + 1} is not a merge 'a b'`, {
        field: `line ${i + 1}`,
        file: vocabFile,
      });
    }
    merges.push(line);
  }
  const enc = encoder as Record<string, unknown>;
  const eot = enc['<|endoftext|>'];
  const added = typeof eot === 'number' ? [{ id: eot, content: '<|endoftext|>', special: true }] : [];
  return tokenizerFromHfJson(
    {
      model: { type: 'BPE', vocab: enc, merges },
      added_tokens: added,
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, use_regex: true },
      decoder: { type: 'ByteLevel' },
    },
    added.length > 0 ? { bos_token: '<|endoftext|>', eos_token: '<|endoftext|>' } : undefined,
    encFile,
  );
}
