// The byte-level "bytes" tokenizer used for character-level training: one token per byte
// (id = byte value, GPT-2's byte-to-unicode spelling) and `<|endoftext|>` = 256, as a Hugging
// Face tokenizer.json + tokenizer_config.json pair. Conversion to GGUF metadata is
// convert-tokenizer.ts's `ggufMetaFromHfJson`.
import { byteToUnicodeTable } from '../tokenizers/utf8.js';

export const BYTES_EOT = '<|endoftext|>';

/** tokenizer.json of the bytes tokenizer. */
export function bytesTokenizerJson(): Record<string, unknown> {
  const table = byteToUnicodeTable();
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

/** tokenizer_config.json of the bytes tokenizer: `<|endoftext|>` is BOS and EOS, no BOS added. */
export function bytesTokenizerConfig(): Record<string, unknown> {
  return { bos_token: BYTES_EOT, eos_token: BYTES_EOT, add_bos_token: false, add_eos_token: false };
}
