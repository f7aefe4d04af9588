// Node-only: reads a JSON file with a size cap checked before reading.
import { readFileSync, statSync } from 'node:fs';
import { FormatError } from '../../errors.js';
import {
  asObject,
  JsonFields as Fields,
  type JsonFields,
  type JsonValue,
  type ParseJsonOptions,
  parseJsonBytes,
} from './json.js';

export function readJsonFile(path: string, options: ParseJsonOptions = {}): JsonValue {
  const max = options.maxChars ?? 64 * 1024 * 1024;
  const st = statSync(path);
  if (!st.isFile()) throw new FormatError(`${path}: not a regular file`, { file: path });
  if (st.size > max)
    throw new FormatError(`${path}: JSON file of ${st.size} bytes exceeds the limit ${max}`, { file: path });
  return parseJsonBytes(new Uint8Array(readFileSync(path)), path, options);
}

/** Reads a JSON file whose top level must be an object (e.g. config.json). */
export function readJsonObjectFile(path: string, options: ParseJsonOptions = {}): JsonFields {
  return new Fields(asObject(readJsonFile(path, options), '(top level)', path), path);
}
