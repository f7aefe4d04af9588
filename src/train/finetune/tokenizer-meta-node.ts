// The tokenizer a derived model (fine-tuned, aligned, merged) carries: into its GGUF, the base
// GGUF's `tokenizer.*` keys as they are or the conversion of a base tokenizer.json; into its
// Hugging Face export, the base's tokenizer.json or the conversion of the base GGUF's vocabulary.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openFileSource } from '../../io/byte-source-node.js';
import { type GgufKv, readGguf } from '../../io/gguf/index.js';
import { ggufMetaFromHfJson, hfJsonFromGguf } from '../../jobs/convert-tokenizer.js';

export function ggufTokenizerMetadata(basePath: string): [string, GgufKv][] {
  if (statSync(basePath).isDirectory()) {
    const tj = join(basePath, 'tokenizer.json');
    const tc = join(basePath, 'tokenizer_config.json');
    const config: unknown = existsSync(tc) ? JSON.parse(readFileSync(tc, 'utf8')) : {};
    return existsSync(tj) ? ggufMetaFromHfJson(JSON.parse(readFileSync(tj, 'utf8')), config, tj) : [];
  }
  const src = openFileSource(basePath);
  try {
    const head = new Uint8Array(4);
    src.readInto(0, head);
    if (String.fromCharCode(...head) !== 'GGUF') return [];
    const g = readGguf(src);
    return [...g.metadata].filter(([k]) => k.startsWith('tokenizer.'));
  } finally {
    src.close();
  }
}

/**
 * tokenizer.json and tokenizer_config.json objects for a derived model's Hugging Face export:
 * the base directory's files as they are, or the export of the base GGUF's vocabulary (as
 * `llmts convert` writes it); undefined when the base has none or no exact tokenizer.json form.
 */
export function hfTokenizerFiles(basePath: string): { tokenizer: unknown; config: unknown } | undefined {
  if (statSync(basePath).isDirectory()) {
    const tj = join(basePath, 'tokenizer.json');
    if (!existsSync(tj)) return undefined;
    const tc = join(basePath, 'tokenizer_config.json');
    return {
      tokenizer: JSON.parse(readFileSync(tj, 'utf8')),
      config: existsSync(tc) ? JSON.parse(readFileSync(tc, 'utf8')) : {},
    };
  }
  const src = openFileSource(basePath);
  try {
    const head = new Uint8Array(4);
    src.readInto(0, head);
    if (String.fromCharCode(...head) !== 'GGUF') return undefined;
    return hfJsonFromGguf(readGguf(src));
  } finally {
    src.close();
  }
}
