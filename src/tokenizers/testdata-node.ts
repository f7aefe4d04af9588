// Node-only helpers for tokenizer tests: llama.cpp's .inp/.out vocab cases.
import { readFileSync } from 'node:fs';
import { sharedPath } from '../testing/shared.js';

export interface VocabCase {
  text: string;
  ids: number[];
}

/** Reads `ggml-vocab-<name>.gguf.inp/.out` (cases separated by a line `__ggml_vocab_test__`). */
export function readVocabCases(name: string, dir = 'llama.cpp-vocab'): VocabCase[] | undefined {
  const inp = sharedPath('data', 'tokenizers', dir, `ggml-vocab-${name}.gguf.inp`);
  const out = sharedPath('data', 'tokenizers', dir, `ggml-vocab-${name}.gguf.out`);
  if (inp === undefined || out === undefined) return undefined;
  const texts = readFileSync(inp, 'utf8').split('\n__ggml_vocab_test__\n');
  if (texts[texts.length - 1] === '') texts.pop();
  const lines = readFileSync(out, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length !== texts.length)
    throw new Error(`${name}: ${texts.length} inputs but ${lines.length} outputs`);
  return texts.map((text, i) => ({
    text,
    ids: lines[i]!.trim()
      .split(/\s+/)
      .filter((s) => s.length > 0)
      .map(Number),
  }));
}
