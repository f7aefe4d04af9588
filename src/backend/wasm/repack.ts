// Load-time weight layouts of the WASM quantized kernels. A layout keeps every row at the same
// offset and size as in the file (rows · rowBytes), so allocation, in-place loading and row
// addressing do not change; only the order of the bytes inside a row does.
//
// 'g4' (Q8_0, Q4_0): each full group of 4 blocks is stored as its 4 f16 scales (8 bytes) followed
// by the 4 blocks' quants (4 · 32 bytes for Q8_0, 4 · 16 for Q4_0); the blocks past the last full
// group keep GGUF's block layout. The decode kernels then widen 4 scales with one sign-extending
// load instead of 4 lane inserts (kernels/quant_q4_0.ts, kernels/quant_q8_0.ts).
//
// Upload converts rows in place with the WASM kernel repack_g4 (kernels/repack.ts; packG4 here is
// its plain reference); unpackRowG4 converts one row back for readers of single rows such as the
// embedding gather.
import { GgmlType, typeTraits } from '../../tensor/dtype.js';

/** Layout names stored in WasmWeight.layout. */
export const LAYOUT_GGUF = 'gguf';
export const LAYOUT_G4 = 'g4';

/** The layout the WASM kernels use for a quantized type. */
export function kernelLayout(type: GgmlType): string {
  return type === GgmlType.Q8_0 || type === GgmlType.Q4_0 ? LAYOUT_G4 : LAYOUT_GGUF;
}

/**
 * Rewrites `rows` rows of `cols` values at byte offset `at` of `u8` from GGUF's block layout to
 * g4 (types Q8_0 / Q4_0), in place. The reference of kernels/repack.ts.
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
