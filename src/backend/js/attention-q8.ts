// The quantized KV cache of the JS reference backend: row writes (`quantizeRows`) and causal
// attention over Q8_0 K and V rows.
//
// Arithmetic, as llama.cpp's CPU flash-attention path for a q8_0 cache
// (ggml_compute_forward_flash_attn_ext_f16 with K and V of type Q8_0):
// - cache rows and each query head's row (headDim values) are quantized to Q8_0 as ggml's CPU
//   from_float does (quantize_row_q8_0, x86 rounding: quantizeActivationRow), the function
//   llama.cpp's set_rows/cpy uses to write a quantized KV cache,
// - K·q is ggml's generic vec_dot_q8_0_q8_0 (exact int dot per block, Σ in f32 of sumi·d_k·d_q),
// - V rows are dequantized to f32 and accumulated with the softmax weights.
// Scores, softmax and the V accumulation are in f64 here (ggml: f32 online softmax).

import { ShapeError, UnsupportedError } from '../../errors.js';
import { dequantizeRow, quantizeActivationRow, vecDot } from '../../quant/index.js';
import { GgmlType, typeName } from '../../tensor/dtype.js';
import type { AttentionParams } from '../backend.js';
import { checkCount, type JsBuf, need } from './buf.js';
import type { Scratch } from './scratch.js';

/** Bytes of one Q8_0 block (f16 d + 32 int8) and values per block. */
export const Q8_BLOCK_BYTES = 34;
export const Q8_BLOCK = 32;

/** Throws unless `buf` has at least `bytes` bytes. */
function needBytes(op: string, name: string, buf: JsBuf, bytes: number, what: string): void {
  if (buf.bytes < bytes) {
    throw new ShapeError(`${op}: ${name} holds ${buf.bytes} bytes but needs ${bytes} (${what})`, {
      field: name,
    });
  }
}

/** The raw bytes of a buffer, or UnsupportedError in float64 mode (no byte storage). */
function bytesOf(op: string, name: string, buf: JsBuf): Uint8Array {
  if (buf.u8 === null) {
    throw new UnsupportedError(`${op}: ${name} has no byte storage (float64 mode); use an f32 backend`, {
      field: name,
    });
  }
  return buf.u8;
}

/** The f32 elements of a buffer, or UnsupportedError in float64 mode. */
function f32Of(op: string, name: string, buf: JsBuf): Float32Array {
  if (!(buf.data instanceof Float32Array)) {
    throw new UnsupportedError(`${op}: a Q8_0 cache needs f32 activations (float64 mode is not supported)`, {
      field: name,
    });
  }
  return buf.data;
}

/** See Backend.quantizeRows. */
export function quantizeRows(
  dst: JsBuf,
  src: JsBuf,
  rows: number,
  cols: number,
  type: GgmlType,
  dstByteOffset: number,
  offSrc: number,
): void {
  const op = 'quantizeRows';
  checkCount(op, 'rows', rows);
  checkCount(op, 'cols', cols);
  checkCount(op, 'dstByteOffset', dstByteOffset);
  checkCount(op, 'offSrc', offSrc);
  const n = rows * cols;
  need(op, 'src', src, offSrc + n);
  if (type === GgmlType.F32) {
    if (dstByteOffset % 4 !== 0) {
      throw new ShapeError(`${op}: dstByteOffset ${dstByteOffset} is not a multiple of 4 (F32 rows)`, {
        field: 'dstByteOffset',
      });
    }
    needBytes(op, 'dst', dst, dstByteOffset + n * 4, `${rows} F32 rows of ${cols}`);
    dst.data.set(src.data.subarray(offSrc, offSrc + n), dstByteOffset / 4);
    return;
  }
  if (type !== GgmlType.Q8_0) {
    throw new UnsupportedError(`${op}: type ${typeName(type)} is not supported (F32, Q8_0)`, {
      field: 'type',
    });
  }
  if (cols % Q8_BLOCK !== 0) {
    throw new ShapeError(`${op}: cols ${cols} is not a multiple of the Q8_0 block size 32`, {
      field: 'cols',
    });
  }
  const bytes = (n / Q8_BLOCK) * Q8_BLOCK_BYTES;
  needBytes(op, 'dst', dst, dstByteOffset + bytes, `${rows} Q8_0 rows of ${cols}`);
  if (n === 0) return;
  // Rows of whole blocks are back to back in both layouts: one call covers them all.
  quantizeActivationRow(
    GgmlType.Q8_0,
    f32Of(op, 'src', src),
    offSrc,
    bytesOf(op, 'dst', dst),
    dstByteOffset,
    n,
  );
}

/** Attention over Q8_0 K/V caches (p.kvType === Q8_0); arguments already checked by the caller. */
export function attentionQ8(
  out: JsBuf,
  q: JsBuf,
  kCache: JsBuf,
  vCache: JsBuf,
  p: AttentionParams,
  s: Scratch,
  offs: { qStride: number; outStride: number; offQ: number; offOut: number; offK: number; offV: number },
): void {
  const op = 'attention';
  const { tokens, nHead, nKvHead, headDim, pos0, scale } = p;
  if (headDim % Q8_BLOCK !== 0) {
    throw new UnsupportedError(
      `${op}: a Q8_0 KV cache needs headDim a multiple of 32, got ${headDim} (use cacheType f32)`,
      { field: 'headDim' },
    );
  }
  const { qStride, outStride, offQ, offOut, offK, offV } = offs;
  const kvDim = nKvHead * headDim;
  const headBytes = (headDim / Q8_BLOCK) * Q8_BLOCK_BYTES;
  const rowB = nKvHead * headBytes; // bytes of one cache row
  const ctx = pos0 + tokens;
  const K = bytesOf(op, 'kCache', kCache);
  const V = bytesOf(op, 'vCache', vCache);
  needBytes(op, 'kCache', kCache, offK + ctx * rowB, `${ctx} Q8_0 positions × ${kvDim}`);
  needBytes(op, 'vCache', vCache, offV + ctx * rowB, `${ctx} Q8_0 positions × ${kvDim}`);
  const Q = f32Of(op, 'q', q);
  const O = out.data;

  const group = nHead / nKvHead;
  const scores = s.f64(0, ctx);
  const acc = s.f64(1, headDim);
  const qq = s.u8(headBytes); // [headDim/32] Q8_0 blocks of one query head
  const vrow = s.f32(headDim); // one dequantized V head row
  for (let t = 0; t < tokens; t++) {
    const pos = pos0 + t;
    const start = p.window === undefined ? 0 : Math.max(0, pos - p.window + 1);
    for (let h = 0; h < nHead; h++) {
      const kvh = Math.floor(h / group);
      quantizeActivationRow(GgmlType.Q8_0, Q, offQ + t * qStride + h * headDim, qq, 0, headDim);
      let max = -Infinity;
      for (let j = start; j <= pos; j++) {
        const kj = offK + j * rowB + kvh * headBytes;
        scores[j] = vecDot(GgmlType.Q8_0, K, kj, qq, 0, headDim) * scale;
        if (scores[j] > max) max = scores[j];
      }
      let sum = 0;
      for (let j = start; j <= pos; j++) {
        scores[j] = Math.exp(scores[j] - max);
        sum += scores[j];
      }
      acc.fill(0, 0, headDim);
      for (let j = start; j <= pos; j++) {
        dequantizeRow(GgmlType.Q8_0, V, offV + j * rowB + kvh * headBytes, vrow, 0, headDim);
        const w = scores[j] / sum;
        for (let d = 0; d < headDim; d++) acc[d] += w * vrow[d]!;
      }
      const oi = offOut + t * outStride + h * headDim;
      for (let d = 0; d < headDim; d++) O[oi + d] = acc[d];
    }
  }
}
