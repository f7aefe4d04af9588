// safetensors reader: header validation as the Rust reference (`read_metadata` + `validate`),
// plus the JavaScript hazards (duplicate keys, non-safe integers, prototype keys). See
// reliability.md §1.4 (ST-01..ST-26). Only the header is read; tensor data stays in the source.
import { FormatError } from '../../errors.js';
import type { ByteSource } from '../byte-source.js';
import { scanJson } from '../json/scan.js';
import { decodeUtf8Strict } from '../utf8.js';
import { isSafetensorsDtype, SAFETENSORS_DTYPE_BITS, type SafetensorsDtype } from './dtype.js';

/** safetensors' MAX_HEADER_SIZE. */
export const SAFETENSORS_MAX_HEADER = 100_000_000;

export interface SafetensorsTensorInfo {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  /** Row-major (C order) shape, outermost first, as in the file. */
  readonly shape: readonly number[];
  readonly elements: number;
  /** Absolute byte offset of the data in the file. */
  readonly offset: number;
  readonly byteLength: number;
}

export interface Safetensors {
  readonly file: string;
  /** The JSON header length N (the data starts at 8 + N). */
  readonly headerSize: number;
  readonly dataOffset: number;
  /** `__metadata__` (string to string), empty when absent. */
  readonly metadata: ReadonlyMap<string, string>;
  /** Tensors sorted by data offset (ties: by end offset, then header order). */
  readonly tensors: readonly SafetensorsTensorInfo[];
  readonly fileSize: number;
}

export interface ReadSafetensorsOptions {
  /** Largest header (default 100,000,000 bytes, as the reference). */
  maxHeaderBytes?: number;
  /** Most tensors (default 1,000,000). */
  maxTensors?: number;
}

/** Parses and validates a safetensors header. Throws FormatError naming the tensor or field. */
export function readSafetensors(src: ByteSource, options: ReadSafetensorsOptions = {}): Safetensors {
  const file = src.name;
  const err = (msg: string, field?: string, offset?: number) =>
    new FormatError(`${file}: ${msg}`, { file, field, offset });
  const maxHeader = options.maxHeaderBytes ?? SAFETENSORS_MAX_HEADER;
  if (src.size < 8) throw err('header too small: the file is shorter than 8 bytes', 'header_size', 0);
  const lenBytes = src.read(0, 8);
  const n = new DataView(lenBytes.buffer, lenBytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(maxHeader)) throw err(`header too large: ${n} bytes (limit ${maxHeader})`, 'header_size', 0);
  const headerSize = Number(n);
  if (headerSize > src.size - 8) {
    throw err(
      `invalid header length ${headerSize}: the file has only ${src.size - 8} bytes after it`,
      'header_size',
      0,
    );
  }
  const text = decodeUtf8Strict(src.read(8, headerSize), 'header', file, 8);
  if (!text.startsWith('{'))
    throw err("invalid header start: the JSON header must begin with '{'", 'header', 8);
  const issue = scanJson(text, { maxDepth: 8, integersOnly: true });
  if (issue?.kind === 'duplicate')
    throw err(`duplicate key '${issue.key}' in the header`, issue.key, 8 + issue.offset);
  if (issue?.kind === 'depth') throw err('header JSON nested too deep', 'header', 8 + issue.offset);
  if (issue?.kind === 'number') {
    throw err(`header number '${issue.text}' is not a non-negative integer`, 'header', 8 + issue.offset);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new FormatError(`${file}: invalid header JSON: ${(e as Error).message}`, {
      file,
      field: 'header',
      cause: e,
    });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw err('the header must be a JSON object', 'header', 8);
  }
  const dataOffset = 8 + headerSize;
  const metadata = new Map<string, string>();
  const entries: (SafetensorsTensorInfo & { order: number; rel: number })[] = [];
  const maxTensors = options.maxTensors ?? 1_000_000;
  const obj = json as Record<string, unknown>;
  for (const [name, v] of Object.entries(obj)) {
    if (name === '__metadata__') {
      if (typeof v !== 'object' || v === null || Array.isArray(v))
        throw err('__metadata__ must be an object', name);
      for (const [k, s] of Object.entries(v)) {
        if (typeof s !== 'string')
          throw err(`__metadata__ value '${k}' must be a string`, `__metadata__.${k}`);
        metadata.set(k, s);
      }
      continue;
    }
    if (entries.length >= maxTensors) throw err(`more than ${maxTensors} tensors`, name);
    const e = tensorEntry(name, v, err, dataOffset, entries.length);
    entries.push(e);
  }
  entries.sort((a, b) => a.rel - b.rel || a.rel + a.byteLength - (b.rel + b.byteLength) || a.order - b.order);
  let end = 0;
  for (const t of entries) {
    if (t.rel !== end) {
      throw err(
        `invalid offset for tensor '${t.name}': data starts at ${t.rel}, expected ${end} (gap or overlap)`,
        t.name,
      );
    }
    end = t.rel + t.byteLength;
  }
  if (end !== src.size - dataOffset) {
    throw err(
      `incomplete buffer: tensors cover ${end} bytes but the data section has ${src.size - dataOffset}`,
      'data_offsets',
    );
  }
  const tensors = entries.map(({ name, dtype, shape, elements, offset, byteLength }) => ({
    name,
    dtype,
    shape,
    elements,
    offset,
    byteLength,
  }));
  return { file, headerSize, dataOffset, metadata, tensors, fileSize: src.size };
}

function tensorEntry(
  name: string,
  v: unknown,
  err: (msg: string, field?: string) => FormatError,
  dataOffset: number,
  order: number,
): SafetensorsTensorInfo & { rel: number; order: number } {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw err(`tensor '${name}' must be an object`, name);
  const info = v as Record<string, unknown>;
  const dtype = Object.hasOwn(info, 'dtype') ? info.dtype : undefined;
  if (typeof dtype !== 'string' || !isSafetensorsDtype(dtype)) {
    throw err(`tensor '${name}' has unknown dtype ${JSON.stringify(dtype) ?? 'undefined'}`, name);
  }
  const shape = Object.hasOwn(info, 'shape') ? info.shape : undefined;
  if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || (d as number) < 0)) {
    throw err(`tensor '${name}' shape must be an array of non-negative integers`, name);
  }
  const offs = Object.hasOwn(info, 'data_offsets') ? info.data_offsets : undefined;
  if (
    !Array.isArray(offs) ||
    offs.length !== 2 ||
    offs.some((d) => !Number.isSafeInteger(d) || (d as number) < 0)
  ) {
    throw err(`tensor '${name}' data_offsets must be two non-negative integers`, name);
  }
  const [begin, end] = offs as [number, number];
  if (end < begin) throw err(`invalid offset for tensor '${name}': end ${end} < begin ${begin}`, name);
  let elements = 1;
  for (const d of shape as number[]) {
    if (d !== 0 && elements > Number.MAX_SAFE_INTEGER / d)
      throw err(`tensor '${name}': element count overflows`, name);
    elements *= d;
  }
  const bits = SAFETENSORS_DTYPE_BITS.get(dtype)!;
  if (elements > Number.MAX_SAFE_INTEGER / bits) throw err(`tensor '${name}': byte size overflows`, name);
  if ((elements * bits) % 8 !== 0)
    throw err(`tensor '${name}': misaligned slice (${elements} x ${bits} bits)`, name);
  const byteLength = (elements * bits) / 8;
  if (end - begin !== byteLength) {
    throw err(
      `tensor '${name}' info is invalid: ${dtype} ${JSON.stringify(shape)} needs ${byteLength} bytes, data_offsets span ${end - begin}`,
      name,
    );
  }
  return {
    name,
    dtype,
    shape: shape as number[],
    elements,
    offset: dataOffset + begin,
    byteLength,
    rel: begin,
    order,
  };
}
