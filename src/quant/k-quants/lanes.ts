// ggml's generic K-quant dot products accumulate integer products in 8 lanes (aux32[8], one per
// element index mod 8) and scale them into 8 f32 lane sums (sums[8]) that are added to the result
// only at the end. These shared scratch arrays reproduce that order without allocating.

/** Per-block integer lane sums (aux32). */
export const aux32 = new Int32Array(8);
/** Per-row f32 lane sums (sums), kept as f32-rounded doubles. */
export const sums = new Float64Array(8);

/** Offsets inside a Q8_K block: d f32 | qs[256] int8 | bsums[16] int16. */
export const Q8K_QS = 4;
export const Q8K_BSUMS = 260;
export const Q8K_SIZE = 292;

/** bsums[j] of the Q8_K block at `o`. */
export function bsum(b: Uint8Array, o: number, j: number): number {
  return ((b[o + Q8K_BSUMS + 2 * j]! | (b[o + Q8K_BSUMS + 2 * j + 1]! << 8)) << 16) >> 16;
}
