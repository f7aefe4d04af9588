// The tokenizer a derived model (fine-tuned, aligned, merged) carries: into its GGUF, the base
// GGUF's `tokenizer.*` keys as they are or the conversion of a base tokenizer.json; into its
// Hugging Face export, the base's tokenizer.json or the conversion of the base GGUF's vocabulary.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openFileSource } from '../../io/byte-source-node.js';
import { type Gguf, type GgufKv, readGguf } from '../../io/gguf/index.js';
import { ggufMetaFromHfJson, hfJsonFromGguf } from '../../jobs/convert-tokenizer.js';

/**
 * The base's tokenizer in either form: a directory's tokenizer.json (+ config), or a
 * GGUF's metadata; `none` when the base has neither.
 */
function withBaseTokenizer<T>(
  basePath: string,
  fromHf: (json: unknown, config: unknown, file: string) => T,
  fromGguf: (g: Gguf) => T,
  none: T,
): T {
  if (statSync(basePath).isDirectory()) {
    const tj = join(basePath, 'tokenizer.json');
    if (!existsSync(tj)) return none;
    const tc = join(basePath, 'tokenizer_config.json');
    const config: unknown = existsSync(tc) ? JSON.parse(readFileSync(tc, 'utf8')) : {};
    return fromHf(JSON.parse(readFileSync(tj, 'utf8')), config, tj);
  }
  const src = openFileSource(basePath);
  try {
    const head = new Uint8Array(4);
    src.readInto(0, head);
    if (String.fromCharCode(...head) !== 'GGUF') return none;
    return fromGguf(readGguf(src));
  } finally {
    src.close();
  }
}

/** The `tokenizer.*` GGUF metadata for a derived model's GGUF. */
export function ggufTokenizerMetadata(basePath: string): [string, GgufKv][] {
  return withBaseTokenizer<[string, GgufKv][]>(
    basePath,
    (json, config, file) => ggufMetaFromHfJson(json, config, file),
    (g) => [...g.metadata].filter(([k]) => k.startsWith('tokenizer.')),
    [],
  );
}

/**
 * tokenizer.json and tokenizer_config.json objects for a derived model's Hugging Face export:
 * the base directory's files as they are, or the export of the base GGUF's vocabulary (as
 * `llmts convert` writes it); undefined when the base has none or no exact tokenizer.json form.
 */
export function hfTokenizerFiles(basePath: string): { tokenizer: unknown; config: unknown } | undefined {
  return withBaseTokenizer<{ tokenizer: unknown; config: unknown } | undefined>(
    basePath,
    (tokenizer, config) => ({ tokenizer, config }),
    (g) => hfJsonFromGguf(g),
    undefined,
  );
}
