// Node file access for the model loader (the loader itself stays browser-safe).
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from '../errors.js';
import { openFileSource } from '../io/byte-source-node.js';
import type { ModelFs } from './loader.js';

/** Largest text file (config.json, tokenizer.json, index) the loader reads: 256 MiB. */
const MAX_TEXT = 256 * 1024 * 1024;

export const nodeFs: ModelFs = {
  open(path: string) {
    try {
      return openFileSource(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === undefined) throw e;
      throw new UsageError(`cannot open ${path}: ${code}`, { file: path, cause: e });
    }
  },
  readBytes(path: string): Uint8Array {
    const st = statSync(path);
    if (st.size > MAX_TEXT) throw new RangeError(`${path}: ${st.size} bytes is too large to read whole`);
    return readFileSync(path);
  },
  exists(path: string): boolean {
    try {
      statSync(path);
      return true;
    } catch {
      return false;
    }
  },
  isDirectory(path: string): boolean {
    try {
      return statSync(path).isDirectory();
    } catch {
      return false;
    }
  },
  join,
  dirname,
};
