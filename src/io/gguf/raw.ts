// A raw GGUF byte builder for tests and fuzzing: every field can be set to any value, including
// invalid ones (wrong counts, lengths, types, offsets), like llama.cpp's `get_handcrafted_file`.
// Not used by the reader or writer.
import { ByteWriter } from '../byte-writer.js';
import { encodeUtf8 } from '../utf8.js';

export interface RawKv {
  /** Key text or raw bytes. */
  readonly key: string | Uint8Array;
  /** Declared key length (default: the real one). */
  readonly keyLen?: bigint;
  readonly type: number;
  /** Writes the value bytes. */
  readonly value: (w: ByteWriter) => void;
}

export interface RawTensor {
  readonly name: string | Uint8Array;
  readonly nameLen?: bigint;
  /** Declared n_dims (default ne.length). */
  readonly nDims?: number;
  readonly ne: readonly bigint[];
  readonly type: number;
  readonly offset: bigint;
}

export interface RawGguf {
  readonly magic?: number;
  readonly version?: number;
  readonly nTensors?: bigint;
  readonly nKv?: bigint;
  readonly kvs: readonly RawKv[];
  readonly tensors: readonly RawTensor[];
  /** Padding applied after the tensor infos (default 32; 0 = none). */
  readonly pad?: number;
  /** Data section bytes (default none). */
  readonly data?: Uint8Array;
}

export function rawString(w: ByteWriter, s: string | Uint8Array, len?: bigint): void {
  const b = typeof s === 'string' ? encodeUtf8(s) : s;
  w.u64(len ?? BigInt(b.length));
  w.bytes(b);
}

export function buildRawGguf(r: RawGguf): Uint8Array {
  const w = new ByteWriter();
  w.u32(r.magic ?? 0x46554747);
  w.u32(r.version ?? 3);
  w.u64(r.nTensors ?? BigInt(r.tensors.length));
  w.u64(r.nKv ?? BigInt(r.kvs.length));
  for (const kv of r.kvs) {
    rawString(w, kv.key, kv.keyLen);
    w.u32(kv.type >>> 0);
    kv.value(w);
  }
  for (const t of r.tensors) {
    rawString(w, t.name, t.nameLen);
    w.u32((t.nDims ?? t.ne.length) >>> 0);
    for (const d of t.ne) w.u64(BigInt.asUintN(64, d));
    w.u32(t.type >>> 0);
    w.u64(BigInt.asUintN(64, t.offset));
  }
  const pad = r.pad ?? 32;
  if (pad > 0) w.fill(0, Math.ceil(w.length / pad) * pad - w.length);
  if (r.data !== undefined) w.bytes(r.data);
  return w.result().slice();
}
