// JSON reading with limits, for config.json and other small JSON files: a size cap, a depth cap,
// duplicate keys refused, and every failure a FormatError naming the file (JSON.parse's
// SyntaxError and RangeError are wrapped). Typed getters name the field on a type mismatch.
import { FormatError } from '../../errors.js';
import { decodeUtf8Strict } from '../utf8.js';
import { scanJson } from './scan.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface ParseJsonOptions {
  /** Largest accepted text in UTF-16 code units (default 64 Mi). */
  maxChars?: number;
  /** Deepest nesting (default 64). */
  maxDepth?: number;
  /** Refuse duplicate object keys (default true). */
  rejectDuplicateKeys?: boolean;
}

/** Parses JSON text with limits. `file` names the source in errors. */
export function parseJson(text: string, file = '<json>', options: ParseJsonOptions = {}): JsonValue {
  const maxChars = options.maxChars ?? 64 * 1024 * 1024;
  if (text.length > maxChars) {
    throw new FormatError(`${file}: JSON text of ${text.length} characters exceeds the limit ${maxChars}`, {
      file,
    });
  }
  const issue = scanJson(text, { maxDepth: options.maxDepth ?? 64 });
  if (issue?.kind === 'depth') {
    throw new FormatError(`${file}: JSON nested deeper than ${options.maxDepth ?? 64} levels`, {
      file,
      offset: issue.offset,
    });
  }
  if (issue?.kind === 'duplicate' && options.rejectDuplicateKeys !== false) {
    throw new FormatError(`${file}: duplicate JSON key '${issue.key}'`, {
      file,
      field: issue.key,
      offset: issue.offset,
    });
  }
  try {
    return JSON.parse(text) as JsonValue;
  } catch (e) {
    throw new FormatError(`${file}: invalid JSON: ${(e as Error).message}`, { file, cause: e });
  }
}

/** Decodes UTF-8 bytes (strict; a leading BOM is skipped) and parses them as JSON. */
export function parseJsonBytes(
  bytes: Uint8Array,
  file = '<json>',
  options: ParseJsonOptions = {},
): JsonValue {
  const maxBytes = options.maxChars ?? 64 * 1024 * 1024;
  if (bytes.length > maxBytes) {
    throw new FormatError(`${file}: JSON file of ${bytes.length} bytes exceeds the limit ${maxBytes}`, {
      file,
    });
  }
  let b = bytes;
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) b = b.subarray(3);
  return parseJson(decodeUtf8Strict(b, 'JSON text', file), file, options);
}

export function isJsonObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value as an object; FormatError naming `field` otherwise. */
export function asObject(v: JsonValue | undefined, field: string, file = '<json>'): JsonObject {
  if (!isJsonObject(v)) throw typeErr(field, file, 'an object', v);
  return v;
}

function typeErr(field: string, file: string, want: string, v: JsonValue | undefined): FormatError {
  const got = v === undefined ? 'missing' : v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
  return new FormatError(`${file}: '${field}' must be ${want} (found ${got})`, { field, file });
}

function own(obj: JsonObject, key: string): JsonValue | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/**
 * Typed field access on a JSON object. Each getter throws FormatError naming the field when it
 * is missing (unless a default is given) or has the wrong type. Only own properties are seen.
 */
export class JsonFields {
  constructor(
    readonly obj: JsonObject,
    readonly file = '<json>',
    readonly prefix = '',
  ) {}

  private name(key: string): string {
    return this.prefix === '' ? key : `${this.prefix}.${key}`;
  }

  has(key: string): boolean {
    const v = own(this.obj, key);
    return v !== undefined && v !== null;
  }

  raw(key: string): JsonValue | undefined {
    return own(this.obj, key);
  }

  private get(key: string): JsonValue | undefined {
    const v = own(this.obj, key);
    return v === null ? undefined : v;
  }

  string(key: string, def?: string): string {
    const v = this.get(key);
    if (v === undefined && def !== undefined) return def;
    if (typeof v !== 'string') throw typeErr(this.name(key), this.file, 'a string', v);
    return v;
  }

  number(key: string, def?: number): number {
    const v = this.get(key);
    if (v === undefined && def !== undefined) return def;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw typeErr(this.name(key), this.file, 'a number', v);
    return v;
  }

  /** A safe integer, optionally within [min, max]. */
  int(key: string, def?: number, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.get(key);
    if (v === undefined && def !== undefined) return def;
    if (typeof v !== 'number' || !Number.isSafeInteger(v))
      throw typeErr(this.name(key), this.file, 'an integer', v);
    if (v < min || v > max) {
      throw new FormatError(`${this.file}: '${this.name(key)}' = ${v} is outside [${min}, ${max}]`, {
        field: this.name(key),
        file: this.file,
      });
    }
    return v;
  }

  bool(key: string, def?: boolean): boolean {
    const v = this.get(key);
    if (v === undefined && def !== undefined) return def;
    if (typeof v !== 'boolean') throw typeErr(this.name(key), this.file, 'a boolean', v);
    return v;
  }

  array(key: string, def?: JsonValue[]): JsonValue[] {
    const v = this.get(key);
    if (v === undefined && def !== undefined) return def;
    if (!Array.isArray(v)) throw typeErr(this.name(key), this.file, 'an array', v);
    return v;
  }

  stringArray(key: string, def?: string[]): string[] {
    const a = this.array(key, def);
    a.forEach((x, i) => {
      if (typeof x !== 'string') throw typeErr(`${this.name(key)}[${i}]`, this.file, 'a string', x);
    });
    return a as string[];
  }

  numberArray(key: string, def?: number[]): number[] {
    const a = this.array(key, def);
    a.forEach((x, i) => {
      if (typeof x !== 'number') throw typeErr(`${this.name(key)}[${i}]`, this.file, 'a number', x);
    });
    return a as number[];
  }

  /** A nested object as JsonFields (its errors name `key.sub`). */
  object(key: string): JsonFields;
  object(key: string, optional: true): JsonFields | undefined;
  object(key: string, optional = false): JsonFields | undefined {
    const v = this.get(key);
    if (v === undefined && optional) return undefined;
    return new JsonFields(asObject(v, this.name(key), this.file), this.file, this.name(key));
  }
}

/** Parses `text` and requires a top-level object; returns its field getters. */
export function parseJsonObject(text: string, file = '<json>', options: ParseJsonOptions = {}): JsonFields {
  return new JsonFields(asObject(parseJson(text, file, options), '(top level)', file), file);
}
