// safetensors writer: tensors sorted by name, contiguous data, `__metadata__` last, JSON header
// padded with spaces so that the data starts at a multiple of 8 bytes.
import { UsageError } from '../../errors.js';
import { loadTensorBytes, type TensorBytes } from '../byte-writer.js';
import { encodeUtf8 } from '../utf8.js';
import { SAFETENSORS_DTYPE_BITS, type SafetensorsDtype } from './dtype.js';

export interface SafetensorsWriteTensor {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  /** Row-major shape, outermost first. */
  readonly shape: readonly number[];
  /** Little-endian data (or a lazy loader); its length must match dtype x shape. */
  readonly data: TensorBytes;
}

export interface SafetensorsLayout {
  /** The 8-byte length plus the padded JSON header. */
  readonly header: Uint8Array;
  /** The tensors in data order (sorted by name). */
  readonly order: readonly SafetensorsWriteTensor[];
}

function bad(msg: string, field?: string): never {
  throw new UsageError(`writeSafetensors: ${msg}`, { field });
}

export function safetensorsLayout(
  tensors: readonly SafetensorsWriteTensor[],
  metadata?: ReadonlyMap<string, string> | Readonly<Record<string, string>>,
): SafetensorsLayout {
  const order = [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const parts: string[] = [];
  let offset = 0;
  let prev: string | undefined;
  for (const t of order) {
    if (t.name === '__metadata__' || t.name.length === 0) bad(`invalid tensor name '${t.name}'`, t.name);
    if (t.name === prev) bad(`duplicate tensor name '${t.name}'`, t.name);
    prev = t.name;
    const bits = SAFETENSORS_DTYPE_BITS.get(t.dtype);
    if (bits === undefined) bad(`tensor '${t.name}': unknown dtype ${t.dtype}`, t.name);
    let n = 1;
    for (const d of t.shape) {
      if (!Number.isSafeInteger(d) || d < 0) bad(`tensor '${t.name}': invalid dimension ${d}`, t.name);
      n *= d;
    }
    if (!Number.isSafeInteger(n * bits) || (n * bits) % 8 !== 0)
      bad(`tensor '${t.name}': invalid size`, t.name);
    const bytes = (n * bits) / 8;
    if (t.data.length !== bytes)
      bad(`tensor '${t.name}' data has ${t.data.length} bytes, expected ${bytes}`, t.name);
    parts.push(
      `${JSON.stringify(t.name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${offset + bytes}]}`,
    );
    offset += bytes;
  }
  // `__metadata__` goes last, as the Rust reference writes it.
  if (metadata !== undefined) {
    const entries = metadata instanceof Map ? [...metadata] : Object.entries(metadata);
    const meta = entries.map(([k, v]) => {
      if (typeof v !== 'string') bad(`__metadata__ value '${k}' must be a string`, k);
      return `${JSON.stringify(k)}:${JSON.stringify(v)}`;
    });
    parts.push(`"__metadata__":{${meta.join(',')}}`);
  }
  const json = encodeUtf8(`{${parts.join(',')}}`);
  const padded = Math.ceil((8 + json.length) / 8) * 8 - 8;
  const header = new Uint8Array(8 + padded);
  new DataView(header.buffer).setBigUint64(0, BigInt(padded), true);
  header.set(json, 8);
  header.fill(0x20, 8 + json.length);
  return { header, order };
}

/** The file as chunks: header, then each tensor's data. */
export function* safetensorsChunks(
  tensors: readonly SafetensorsWriteTensor[],
  metadata?: ReadonlyMap<string, string> | Readonly<Record<string, string>>,
): Generator<Uint8Array> {
  const { header, order } = safetensorsLayout(tensors, metadata);
  yield header;
  for (const t of order) if (t.data.length > 0) yield loadTensorBytes(t.data, t.name);
}

/** The whole file in memory. */
export function writeSafetensors(
  tensors: readonly SafetensorsWriteTensor[],
  metadata?: ReadonlyMap<string, string> | Readonly<Record<string, string>>,
): Uint8Array {
  const { header, order } = safetensorsLayout(tensors, metadata);
  let total = header.length;
  for (const t of order) total += t.data.length;
  const out = new Uint8Array(total);
  out.set(header, 0);
  let at = header.length;
  for (const t of order) {
    out.set(loadTensorBytes(t.data, t.name), at);
    at += t.data.length;
  }
  return out;
}
