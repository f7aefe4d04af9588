// The one Tokenizer interface every loader (tokenizer.json, GGUF, tiktoken, SentencePiece,
// llama2.c, GPT-2 encoder.json) produces.

export interface EncodeOptions {
  /** Add BOS/EOS as the tokenizer's own settings say (default true). */
  addSpecial?: boolean;
  /**
   * Special tokens spelled in the text map to their ids only when allowed: `true` / 'all' allows
   * every special token, a set allows those named. Default: none (they are encoded as text).
   */
  allowSpecial?: boolean | 'all' | ReadonlySet<string>;
}

export interface DecodeOptions {
  /** Drop control/special tokens from the output (default false). */
  skipSpecial?: boolean;
}

/** Incremental detokenizer: never returns a split UTF-8 character. */
export interface StreamDecoder {
  /** Adds one token id; returns the text that is now complete (may be ''). */
  push(id: number): string;
  /** Returns whatever is left (an incomplete UTF-8 tail becomes U+FFFD). */
  flush(): string;
}

export interface Tokenizer {
  readonly vocabSize: number;
  readonly bosId: number | undefined;
  readonly eosId: number | undefined;
  /** Whether encode() adds BOS / EOS by default. */
  readonly addBos: boolean;
  readonly addEos: boolean;
  /** End-of-generation ids (EOS, EOT, <|im_end|> ...). */
  readonly eogIds: ReadonlySet<number>;
  /** Jinja chat template shipped with the tokenizer, if any. */
  readonly chatTemplate: string | undefined;

  encode(text: string, opts?: EncodeOptions): number[];
  decode(ids: ArrayLike<number>, opts?: DecodeOptions): string;
  /** The raw vocabulary string of an id (e.g. 'Ġthe', '▁the', '<0x0A>'), or undefined. */
  idToToken(id: number): string | undefined;
  tokenToId(token: string): number | undefined;
  /** The bytes an id stands for when decoded (for grammar masks and streaming). */
  tokenBytes(id: number): Uint8Array;
  isSpecial(id: number): boolean;
  createDecoder(opts?: DecodeOptions): StreamDecoder;
}
