// Decoding safetensors tensor bytes (little-endian) to Float32Array.
import { UnsupportedError } from '../../errors.js';
import { HOST_BIG_ENDIAN } from '../utf8.js';
import type { SafetensorsDtype } from './dtype.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half to float. */
export function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m === 0 ? s * Infinity : NaN;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

export function bf16ToF32(b: number): number {
  u32[0] = b << 16;
  return f32[0]!;
}

/** Converts F32/F16/BF16/F64 data to a new Float32Array of `elements` values. */
export function toFloat32(dtype: SafetensorsDtype, bytes: Uint8Array, elements: number): Float32Array {
  const width = dtype === 'F64' ? 8 : dtype === 'F32' ? 4 : 2;
  if (bytes.length < elements * width) {
    throw new RangeError(`toFloat32: ${bytes.length} bytes hold fewer than ${elements} ${dtype} values`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(elements);
  switch (dtype) {
    case 'F32':
      if (!HOST_BIG_ENDIAN && bytes.byteOffset % 4 === 0)
        out.set(new Float32Array(bytes.buffer, bytes.byteOffset, elements));
      else for (let i = 0; i < elements; i++) out[i] = dv.getFloat32(i * 4, true);
      return out;
    case 'F16':
      for (let i = 0; i < elements; i++) out[i] = f16ToF32(dv.getUint16(i * 2, true));
      return out;
    case 'BF16':
      for (let i = 0; i < elements; i++) out[i] = bf16ToF32(dv.getUint16(i * 2, true));
      return out;
    case 'F64':
      for (let i = 0; i < elements; i++) out[i] = dv.getFloat64(i * 8, true);
      return out;
    default:
      throw new UnsupportedError(`cannot convert safetensors dtype ${dtype} to float32`);
  }
}

/** Float to IEEE half, rounding to nearest even (overflow to Inf, NaN kept). */
export function f32ToF16(x: number): number {
  f32[0] = x;
  const u = u32[0]!;
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  let mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let h = mant >>> shift;
    if (rest > half || (rest === half && (h & 1) === 1)) h++;
    return sign | h;
  }
  const rest = mant & 0x1fff;
  let h = (e << 10) | (mant >>> 13);
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h++; // a carry may round up to Inf
  return sign | h;
}

/** Float to bfloat16, rounding to nearest even (NaN kept quiet). */
export function f32ToBf16(x: number): number {
  f32[0] = x;
  const u = u32[0]!;
  if ((u & 0x7fffffff) > 0x7f800000) return ((u >>> 16) | 0x40) & 0xffff;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Encodes float32 values as little-endian F32, F16 or BF16 bytes. */
export function fromFloat32(dtype: 'F32' | 'F16' | 'BF16', values: Float32Array): Uint8Array {
  const width = dtype === 'F32' ? 4 : 2;
  const out = new Uint8Array(values.length * width);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    if (dtype === 'F32') dv.setFloat32(i * 4, values[i]!, true);
    else dv.setUint16(i * 2, dtype === 'F16' ? f32ToF16(values[i]!) : f32ToBf16(values[i]!), true);
  }
  return out;
}
