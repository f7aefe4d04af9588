// Byte-level layout transforms applied while loading or converting checkpoints: the Q/K row
// permutation between HF rotate-half and GGUF adjacent-pair layouts, and the transpose of HF
// Conv1D weights. Rows are whole (block-aligned) byte ranges, so any GGML type permutes.

/** The source row (within one head of `hd` rows) of GGUF row r: HF → GGUF when !inverse. */
function sourceRow(r: number, hd: number, inverse: boolean): number {
  const half = hd / 2;
  // GGUF row i·2 + j holds HF row j·half + i.
  if (!inverse) return (r % 2) * half + (r >> 1);
  // HF row j·half + i holds GGUF row i·2 + j.
  return (r % half) * 2 + Math.floor(r / half);
}

/** Row permutation between HF rotate-half and GGUF adjacent-pair Q/K layouts (whole rows). */
export function permuteRows(
  src: Uint8Array,
  rows: number,
  rowLen: number,
  heads: number,
  inverse: boolean,
): Uint8Array {
  const dst = new Uint8Array(src.length);
  const hd = rows / heads;
  for (let h = 0; h < heads; h++) {
    const base = h * hd;
    for (let r = 0; r < hd; r++) {
      const from = base + sourceRow(r, hd, inverse);
      dst.set(src.subarray(from * rowLen, (from + 1) * rowLen), (base + r) * rowLen);
    }
  }
  return dst;
}

/**
 * permuteRows in place, one head at a time: `scratch` (at least rows/heads · rowLen bytes) holds
 * one head's rows, so the extra memory is one head, not one tensor.
 */
export function permuteRowsInPlace(
  buf: Uint8Array,
  rows: number,
  rowLen: number,
  heads: number,
  inverse: boolean,
  scratch: Uint8Array,
): void {
  const hd = rows / heads;
  const headBytes = hd * rowLen;
  if (scratch.length < headBytes) throw new RangeError('permuteRowsInPlace: scratch is too small');
  for (let h = 0; h < heads; h++) {
    const base = h * headBytes;
    scratch.set(buf.subarray(base, base + headBytes));
    for (let r = 0; r < hd; r++) {
      const from = sourceRow(r, hd, inverse) * rowLen;
      buf.set(scratch.subarray(from, from + rowLen), base + r * rowLen);
    }
  }
}

/** Transposes a [r, c] matrix of plain `elemBytes`-wide elements from `src` into `dst` ([c, r]). */
export function transposeInto(
  src: Uint8Array,
  dst: Uint8Array,
  r: number,
  c: number,
  elemBytes: number,
): void {
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < c; j++) {
      const s = (i * c + j) * elemBytes;
      const d = (j * r + i) * elemBytes;
      for (let b = 0; b < elemBytes; b++) dst[d + b] = src[s + b]!;
    }
  }
}

/** Transposes a [r, c] matrix of plain `elemBytes`-wide elements into a new [c, r] array. */
export function transposeBytes(src: Uint8Array, r: number, c: number, elemBytes: number): Uint8Array {
  const dst = new Uint8Array(src.length);
  transposeInto(src, dst, r, c, elemBytes);
  return dst;
}
