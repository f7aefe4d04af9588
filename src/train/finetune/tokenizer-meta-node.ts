// The tokenizer metadata a derived model (fine-tuned, merged) carries into its GGUF: the base
// GGUF's `tokenizer.*` keys as they are, or the conversion of a base tokenizer.json.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openFileSource } from '../../io/byte-source-node.js';
import { type GgufKv, readGguf } from '../../io/gguf/index.js';
import { ggufMetaFromHfJson } from '../../jobs/convert-tokenizer.js';

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
