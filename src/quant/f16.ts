// IEEE half (f16) and bfloat16 conversions, bit-exact with ggml's scalar code:
// f32 -> f16 rounds to nearest even (overflow gives ±Inf, NaN gives a quiet NaN 0x7e00 with the
// sign), f32 -> bf16 rounds to nearest even (NaN keeps its top bits and is made quiet).

const scratch = new ArrayBuffer(4);
const scratchU32 = new Uint32Array(scratch);
const scratchF32 = new Float32Array(scratch);

/** The bits of `x` rounded to f32. */
export function f32Bits(x: number): number {
  scratchF32[0] = x;
  return scratchU32[0]!;
}

/** The f32 whose bits are `u` (an unsigned 32-bit integer). */
export function f32FromBits(u: number): number {
  scratchU32[0] = u;
  return scratchF32[0]!;
}

let f16Table: Float32Array | undefined;

/** All 65536 f16 values as f32, built once on first use (256 KiB). */
export function f16ToF32Table(): Float32Array {
  if (f16Table !== undefined) return f16Table;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) t[h] = decodeF16(h);
  f16Table = t;
  return t;
}

function decodeF16(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  const man = h & 0x3ff;
  if (exp === 0x1f) return f32FromBits((sign | 0x7f800000 | (man << 13)) >>> 0);
  if (exp !== 0) return f32FromBits((sign | ((exp + 112) << 23) | (man << 13)) >>> 0);
  // Zero or subnormal: man * 2^-24, exact in f32.
  const v = man * 2 ** -24;
  return sign !== 0 ? -v : v;
}

/** f16 bits (0..65535) to the f32 value. */
export function f16ToF32(h: number): number {
  return f16ToF32Table()[h & 0xffff]!;
}

/** f32 value to f16 bits, round to nearest even (the value is first rounded to f32). */
export function f32ToF16(x: number): number {
  const u = f32Bits(x);
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  const man = u & 0x7fffff;
  if (exp === 0xff) return man !== 0 ? sign | 0x7e00 : sign | 0x7c00;
  const e = exp - 127; // unbiased exponent
  if (e > 15) return sign | 0x7c00; // overflow to infinity
  if (e >= -14) {
    // Normal f16: keep 10 mantissa bits, round the 13 dropped bits to nearest even.
    let h = ((e + 15) << 10) | (man >>> 13);
    const rest = man & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h++; // a carry may round up to Inf
    return sign | h;
  }
  if (e < -25) return sign; // below half of the smallest subnormal: ±0
  // Subnormal f16 (unit 2^-24): the value is full * 2^(e - 23) = (full >> shift) units, shift = -e - 1.
  const full = man | 0x800000; // the 24-bit significand
  const shift = -e - 1; // 14 .. 24
  const h = full >>> shift;
  const rest = full & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return sign | (rest > half || (rest === half && (h & 1) === 1) ? h + 1 : h);
}

/** bf16 bits to the f32 value. */
export function bf16ToF32(h: number): number {
  return f32FromBits(((h & 0xffff) << 16) >>> 0);
}

/** f32 value to bf16 bits, round to nearest even; NaN stays a (quiet) NaN. */
export function f32ToBf16(x: number): number {
  const u = f32Bits(x);
  if ((u & 0x7fffffff) > 0x7f800000) return ((u >>> 16) | 64) & 0xffff;
  return ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16) & 0xffff;
}

// Little-endian field access on byte arrays (blocks are unaligned, so no typed-array views).

export function readF16(b: Uint8Array, o: number): number {
  return f16ToF32Table()[b[o]! | (b[o + 1]! << 8)]!;
}

export function writeF16(b: Uint8Array, o: number, x: number): void {
  const h = f32ToF16(x);
  b[o] = h & 0xff;
  b[o + 1] = h >>> 8;
}

export function readF32(b: Uint8Array, o: number): number {
  return f32FromBits((b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0);
}

export function writeF32(b: Uint8Array, o: number, x: number): void {
  const u = f32Bits(x);
  b[o] = u & 0xff;
  b[o + 1] = (u >>> 8) & 0xff;
  b[o + 2] = (u >>> 16) & 0xff;
  b[o + 3] = u >>> 24;
}
