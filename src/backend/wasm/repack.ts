// Load-time weight layouts of the WASM quantized kernels. A layout keeps every row at the same
// offset and size as in the file (rows · rowBytes), so allocation, in-place loading and row
// addressing do not change; only the order of the bytes inside a row does.
//
// 'g4' (Q8_0, Q4_0): each full group of 4 blocks is stored as its 4 f16 scales (8 bytes) followed
// by the 4 blocks' quants (4 · 32 bytes for Q8_0, 4 · 16 for Q4_0); the blocks past the last full
// group keep GGUF's block layout. The decode kernels then widen 4 scales with one sign-extending
// load instead of 4 lane inserts (kernels/quant_q4_0.ts, kernels/quant_q8_0.ts).
//
// 'g4t' (Q4_0, relaxed build; the portable build keeps g4): g4 whose 4 × 16 quant bytes per group
// are transposed: byte 4b + j of vector v holds values 8v + j (low nibble) and 8v + 4 + j (high
// nibble) of block b, so one relaxed dot of a vector leaves each block's products in its own pair
// of 16-bit lanes (kernels/quant_q4_0.ts).
//
// 'q4k-t' (Q4_K, relaxed build): each 144-byte super-block keeps d, dmin and the 12 scale bytes; its 128 bytes of
// quants are transposed so that byte p of 16-byte vector v holds, in its low nibble, element
// 4v + (p & 1) of sub-block p >> 1 and, in its high nibble, element 4v + 2 + (p & 1). One relaxed
// dot of a vector then leaves each sub-block's products in its own 16-bit lane
// (kernels/quant_q4_k.ts).
//
// 'q6k-t' (Q6_K, relaxed build): each 210-byte super-block keeps its scales and d; its 6-bit
// values are re-stored so that vector V = 8H + k holds at byte 2j + e value 16j + 2k + e of half
// H (low 4 bits in ql: byte 16·(V >> 1), nibble V & 1; high 2 bits in qh: byte 128 + 16·(V >> 2),
// bits 2·(V & 3)): one relaxed dot leaves each 16-value sub-block in its own 16-bit lane.
//
// Upload converts rows in place with the WASM kernels repack_g4, repack_g4t, repack_q4k and
// repack_q6k (kernels/repack.ts; packG4, packG4T, packQ4KT and packQ6KT here are their plain
// references); unpackRow converts one row back for readers of single rows such as the embedding
// gather.
import { GgmlType, typeTraits } from '../../tensor/dtype.js';

/** Layout names stored in WasmWeight.layout. */
export const LAYOUT_GGUF = 'gguf';
export const LAYOUT_G4 = 'g4';
export const LAYOUT_G4T = 'g4t';
export const LAYOUT_Q4KT = 'q4k-t';
export const LAYOUT_Q6KT = 'q6k-t';

/**
 * The layout the WASM kernels of a build use for a quantized type. Q4_0: g4t for the relaxed build
 * (its int8 dots gain from the transposition), g4 for the portable one (its widened i16 products
 * measured 13% slower from g4t). Q4_K and Q6_K: q4k-t and q6k-t for the relaxed build, GGUF's for
 * the portable one (there the transposed orders measured ~5% slower).
 */
export function kernelLayout(type: GgmlType, relaxed: boolean): string {
  if (type === GgmlType.Q8_0) return LAYOUT_G4;
  if (type === GgmlType.Q4_0) return relaxed ? LAYOUT_G4T : LAYOUT_G4;
  if (type === GgmlType.Q6_K) return relaxed ? LAYOUT_Q6KT : LAYOUT_GGUF;
  return type === GgmlType.Q4_K && relaxed ? LAYOUT_Q4KT : LAYOUT_GGUF;
}

/**
 * Rewrites `rows` rows of `cols` values at byte offset `at` of `u8` from GGUF's block layout to
 * g4 (types Q8_0 / Q4_0), in place. The reference of kernels/repack.ts (repack_g4).
 */
export function packG4(type: GgmlType, u8: Uint8Array, at: number, rows: number, cols: number): void {
  const { blockSize, typeSize } = typeTraits(type);
  const nb = cols / blockSize;
  const groups = nb >>> 2;
  const rb = nb * typeSize;
  const qs = typeSize - 2;
  const tmp = new Uint8Array(4 * typeSize);
  for (let r = 0; r < rows; r++) {
    let p = at + r * rb;
    for (let g = 0; g < groups; g++, p += 4 * typeSize) {
      tmp.set(u8.subarray(p, p + 4 * typeSize));
      for (let j = 0; j < 4; j++) {
        u8[p + 2 * j] = tmp[j * typeSize]!;
        u8[p + 2 * j + 1] = tmp[j * typeSize + 1]!;
        u8.set(tmp.subarray(j * typeSize + 2, (j + 1) * typeSize), p + 8 + j * qs);
      }
    }
  }
}

/**
 * Copies one g4 row (`cols` values at byte offset `at` of `src`) into `dst` at `dstAt` in GGUF's
 * block layout. Plain byte loops: called per gathered row, it allocates nothing.
 */
export function unpackRowG4(
  type: GgmlType,
  src: Uint8Array,
  at: number,
  cols: number,
  dst: Uint8Array,
  dstAt: number,
): void {
  const { blockSize, typeSize } = typeTraits(type);
  const nb = cols / blockSize;
  const groups = nb >>> 2;
  const qs = typeSize - 2;
  for (let g = 0; g < groups; g++) {
    const p = at + g * 4 * typeSize;
    const q = dstAt + g * 4 * typeSize;
    for (let j = 0; j < 4; j++) {
      const o = q + j * typeSize;
      dst[o] = src[p + 2 * j]!;
      dst[o + 1] = src[p + 2 * j + 1]!;
      const from = p + 8 + j * qs;
      for (let b = 0; b < qs; b++) dst[o + 2 + b] = src[from + b]!;
    }
  }
  for (let b = groups * 4 * typeSize; b < nb * typeSize; b++) dst[dstAt + b] = src[at + b]!;
}

/**
 * Rewrites `rows` Q4_0 rows of `cols` values at byte offset `at` of `u8` from GGUF's block layout
 * to 'g4t', in place. The reference of kernels/repack.ts (repack_g4t).
 */
export function packG4T(u8: Uint8Array, at: number, rows: number, cols: number): void {
  packG4(GgmlType.Q4_0, u8, at, rows, cols);
  const nb = cols / 32;
  const tmp = new Uint8Array(64);
  for (let r = 0; r < rows; r++) {
    for (let g = 0; g < nb >>> 2; g++) {
      const q = at + r * nb * 18 + g * 72 + 8;
      tmp.set(u8.subarray(q, q + 64));
      for (let b = 0; b < 4; b++) {
        for (let i = 0; i < 32; i++) {
          // GGUF value i of block b: low nibble of qs[i] (i < 16), high nibble of qs[i − 16]
          const byte = tmp[16 * b + (i & 15)]!;
          const v = i < 16 ? byte & 15 : byte >> 4;
          const k = i >> 2; // activation vector: vector k >> 1, high nibble when k is odd
          const d = q + 16 * (k >> 1) + 4 * b + (i & 3);
          u8[d] = k & 1 ? (u8[d]! & 15) | (v << 4) : (u8[d]! & 0xf0) | v;
        }
      }
    }
  }
}

/** Copies one 'g4t' row into `dst` at `dstAt` in GGUF's block layout. Allocates nothing. */
export function unpackRowG4T(
  src: Uint8Array,
  at: number,
  cols: number,
  dst: Uint8Array,
  dstAt: number,
): void {
  unpackRowG4(GgmlType.Q4_0, src, at, cols, dst, dstAt);
  const nb = cols / 32;
  for (let g = 0; g < nb >>> 2; g++) {
    const q = at + g * 72 + 8;
    for (let b = 0; b < 4; b++) {
      const o = dstAt + (4 * g + b) * 18 + 2;
      for (let j = 0; j < 16; j++) {
        const lo = j; // values j and j + 16 of block b
        const hi = j + 16;
        const vl = (src[q + 16 * (lo >> 3) + 4 * b + (lo & 3)]! >> (((lo >> 2) & 1) * 4)) & 15;
        const vh = (src[q + 16 * (hi >> 3) + 4 * b + (hi & 3)]! >> (((hi >> 2) & 1) * 4)) & 15;
        dst[o + j] = vl | (vh << 4);
      }
    }
  }
}

/** Byte of the 'q4k-t' quants (offset in qs) holding element e (0..31) of sub-block j (0..7). */
const q4ktByte = (j: number, e: number): number => 16 * (e >> 2) + 2 * j + (e & 1);
/** Shift of that element's nibble in its byte: 0 (low) or 4 (high). */
const q4ktShift = (e: number): number => ((e >> 1) & 1) * 4;

/**
 * Rewrites `rows` Q4_K rows of `cols` values at byte offset `at` of `u8` from GGUF's block layout
 * to 'q4k-t', in place. The reference of kernels/repack.ts (repack_q4k).
 */
export function packQ4KT(u8: Uint8Array, at: number, rows: number, cols: number): void {
  const tmp = new Uint8Array(128);
  const nsb = (rows * cols) / 256;
  for (let s = 0; s < nsb; s++) {
    const qs = at + s * 144 + 16;
    tmp.set(u8.subarray(qs, qs + 128));
    u8.fill(0, qs, qs + 128);
    for (let j = 0; j < 8; j++) {
      for (let e = 0; e < 32; e++) {
        const b = tmp[32 * (j >> 1) + e]!;
        const v = j & 1 ? b >> 4 : b & 15;
        const d = qs + q4ktByte(j, e);
        u8[d] = u8[d]! | (v << q4ktShift(e));
      }
    }
  }
}

/**
 * Copies one 'q4k-t' row (`cols` values at byte offset `at` of `src`) into `dst` at `dstAt` in
 * GGUF's block layout. Allocates nothing.
 */
export function unpackRowQ4KT(
  src: Uint8Array,
  at: number,
  cols: number,
  dst: Uint8Array,
  dstAt: number,
): void {
  for (let s = 0; s < cols / 256; s++) {
    const p = at + s * 144;
    const o = dstAt + s * 144;
    for (let b = 0; b < 16; b++) dst[o + b] = src[p + b]!;
    for (let i = 0; i < 128; i++) {
      // GGUF byte i: element i & 31 of sub-blocks 2(i >> 5) (low nibble) and 2(i >> 5) + 1 (high)
      const e = i & 31;
      const j = 2 * (i >> 5);
      const sh = q4ktShift(e);
      const l = (src[p + 16 + q4ktByte(j, e)]! >> sh) & 15;
      const h = (src[p + 16 + q4ktByte(j + 1, e)]! >> sh) & 15;
      dst[o + 16 + i] = l | (h << 4);
    }
  }
}

/**
 * GGUF Q6_K, value n (0..255) of a super-block: its ql byte (offset in the block) and nibble
 * shift, its qh byte and 2-bit shift (half n >> 7; in a half, l = n & 31 and g = (n >> 5) & 3
 * select ql[l] low, ql[l + 32] low, ql[l] high, ql[l + 32] high and qh[l] bits 2g).
 */
const q6QlAt = (n: number): number => 64 * (n >> 7) + (n & 31) + (n & 32);
const q6QlShift = (n: number): number => (n & 64) >> 4;
const q6QhAt = (n: number): number => 128 + 32 * (n >> 7) + (n & 31);
const q6QhShift = (n: number): number => 2 * ((n >> 5) & 3);

/** GGUF Q6_K: the 6-bit value n of the super-block at `at`. */
function q6Natural(u8: Uint8Array, at: number, n: number): number {
  const lo = (u8[at + q6QlAt(n)]! >> q6QlShift(n)) & 15;
  return lo | (((u8[at + q6QhAt(n)]! >> q6QhShift(n)) & 3) << 4);
}

/** 'q6k-t': vector V and byte p of value n (0..255): V = 8·(n >> 7) + ((n & 15) >> 1). */
const q6tV = (n: number): number => 8 * (n >> 7) + ((n & 15) >> 1);
const q6tP = (n: number): number => 2 * ((n >> 4) & 7) + (n & 1);

/**
 * Rewrites `rows` Q6_K rows of `cols` values at byte offset `at` of `u8` from GGUF's block layout
 * to 'q6k-t', in place. The reference of kernels/repack.ts (repack_q6k).
 */
export function packQ6KT(u8: Uint8Array, at: number, rows: number, cols: number): void {
  const tmp = new Uint8Array(192);
  for (let s = 0; s < (rows * cols) / 256; s++) {
    const o = at + s * 210;
    tmp.set(u8.subarray(o, o + 192));
    u8.fill(0, o, o + 192);
    for (let n = 0; n < 256; n++) {
      const q = q6Natural(tmp, 0, n);
      const V = q6tV(n);
      const p = q6tP(n);
      u8[o + 16 * (V >> 1) + p] = u8[o + 16 * (V >> 1) + p]! | ((q & 15) << (4 * (V & 1)));
      u8[o + 128 + 16 * (V >> 2) + p] = u8[o + 128 + 16 * (V >> 2) + p]! | ((q >> 4) << (2 * (V & 3)));
    }
  }
}

/** Copies one 'q6k-t' row into `dst` at `dstAt` in GGUF's block layout. Allocates nothing. */
export function unpackRowQ6KT(
  src: Uint8Array,
  at: number,
  cols: number,
  dst: Uint8Array,
  dstAt: number,
): void {
  for (let s = 0; s < cols / 256; s++) {
    const p = at + s * 210;
    const o = dstAt + s * 210;
    dst.fill(0, o, o + 192);
    for (let b = 192; b < 210; b++) dst[o + b] = src[p + b]!;
    for (let n = 0; n < 256; n++) {
      const V = q6tV(n);
      const b = q6tP(n);
      const q =
        ((src[p + 16 * (V >> 1) + b]! >> (4 * (V & 1))) & 15) |
        (((src[p + 128 + 16 * (V >> 2) + b]! >> (2 * (V & 3))) & 3) << 4);
      dst[o + q6QlAt(n)] = dst[o + q6QlAt(n)]! | ((q & 15) << q6QlShift(n));
      dst[o + q6QhAt(n)] = dst[o + q6QhAt(n)]! | ((q >> 4) << q6QhShift(n));
    }
  }
}

/** Copies one row of a weight in `layout` into `dst` in GGUF's block layout (see unpackRowG4). */
export function unpackRow(
  layout: string,
  type: GgmlType,
  src: Uint8Array,
  at: number,
  cols: number,
  dst: Uint8Array,
  dstAt: number,
): void {
  if (layout === LAYOUT_G4) unpackRowG4(type, src, at, cols, dst, dstAt);
  else if (layout === LAYOUT_G4T) unpackRowG4T(src, at, cols, dst, dstAt);
  else if (layout === LAYOUT_Q4KT) unpackRowQ4KT(src, at, cols, dst, dstAt);
  else if (layout === LAYOUT_Q6KT) unpackRowQ6KT(src, at, cols, dst, dstAt);
  else throw new Error(`unpackRow: layout ${layout} is GGUF's or unknown`);
}
