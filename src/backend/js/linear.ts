// Weights (F32, F16, BF16 and GGML block formats) and the products that read them:
// linear (x · Wᵀ), embedding (row gather) and embeddingBackward.
//
// F32 weights use plain f64-accumulated dots. Every other type follows ggml's CPU path: each
// activation row is converted once to vecDotType(type) (quantizeActivationRow: ggml's x86
// rounding) and each output element is vecDot(weight row, converted row); that is what makes
// logits match llama.cpp.

import { ShapeError, UnsupportedError } from '../../errors.js';
import {
  canDequantize,
  canQuantize,
  canVecDot,
  dequantizeRow,
  quantizeActivationRow,
  vecDot,
  vecDotType,
} from '../../quant/index.js';
import { GgmlType, rowBytes, TYPE_TRAITS, typeName } from '../../tensor/dtype.js';
import type { Weight } from '../backend.js';
import { checkCount, type JsBuf, need } from './buf.js';
import type { Scratch } from './scratch.js';

/**
 * Whether linear and embedding accept weights of `type`: F32, or any type the quant/ API can
 * dequantize and vec-dot (with a quantizer for its activation format).
 */
export function supportsWeightType(type: GgmlType): boolean {
  if (type === GgmlType.F32) return true;
  return canDequantize(type) && canVecDot(type) && canQuantize(vecDotType(type));
}

/** Every weight type the JS backend accepts, in GgmlType order. */
export const WEIGHT_TYPES: readonly GgmlType[] = [...TYPE_TRAITS.keys()]
  .filter(supportsWeightType)
  .sort((a, b) => a - b);

/** A weight of the JS backend: `buf` holds the file bytes unchanged; `bytesPerRow` of each row. */
export class JsWeight implements Weight {
  readonly type: GgmlType;
  readonly rows: number;
  readonly cols: number;
  readonly buf: JsBuf;
  readonly bytesPerRow: number;
  /** The bytes as f32 elements (F32 weights only). */
  readonly f32: Float32Array | null;

  constructor(type: GgmlType, rows: number, cols: number, buf: JsBuf, bytesPerRow: number) {
    this.type = type;
    this.rows = rows;
    this.cols = cols;
    this.buf = buf;
    this.bytesPerRow = bytesPerRow;
    const u8 = buf.u8!;
    this.f32 = type === GgmlType.F32 ? new Float32Array(u8.buffer, u8.byteOffset, rows * cols) : null;
  }
}

/** Validates a weight upload and returns the row size in bytes. */
export function checkWeight(type: GgmlType, rows: number, cols: number, data: Uint8Array): number {
  const op = 'uploadWeight';
  if (!supportsWeightType(type)) {
    throw new UnsupportedError(`${op}: weight type ${typeName(type)} is not supported by the JS backend`, {
      field: 'type',
    });
  }
  checkCount(op, 'rows', rows);
  checkCount(op, 'cols', cols);
  const rb = rowBytes(type, cols);
  if (rb === undefined) {
    throw new ShapeError(`${op}: cols ${cols} is not a multiple of the ${typeName(type)} block size`, {
      field: 'cols',
    });
  }
  if (data.byteLength !== rows * rb) {
    throw new ShapeError(
      `${op}: ${typeName(type)} [${rows}, ${cols}] needs ${rows * rb} bytes but got ${data.byteLength}`,
      { field: 'data' },
    );
  }
  return rb;
}

/** out[m, w.rows] (+)= x[m, w.cols] · Wᵀ (x and out rows dense). */
export function linear(
  out: JsBuf,
  x: JsBuf,
  w: JsWeight,
  m: number,
  accumulate: boolean,
  offX: number,
  offOut: number,
  s: Scratch,
): void {
  const op = 'linear';
  checkCount(op, 'm', m);
  checkCount(op, 'offX', offX);
  checkCount(op, 'offOut', offOut);
  const { rows: n, cols: k } = w;
  need(op, 'x', x, offX + m * k, `m·cols = ${m}·${k}, offset ${offX}`);
  need(op, 'out', out, offOut + m * n, `m·rows = ${m}·${n}, offset ${offOut}`);
  const X = x.data;
  const O = out.data;
  if (w.f32 !== null) {
    const W = w.f32;
    for (let i = 0; i < m; i++) {
      const xi = offX + i * k;
      for (let r = 0; r < n; r++) {
        let sum = 0;
        for (let c = 0; c < k; c++) sum += X[xi + c] * W[r * k + c];
        const o = offOut + i * n + r;
        O[o] = accumulate ? O[o] + sum : sum;
      }
    }
    return;
  }
  const vt = vecDotType(w.type);
  const xq = s.u8(rowBytes(vt, k) ?? 0);
  const wb = w.buf.u8!;
  for (let i = 0; i < m; i++) {
    // Convert activation row i to the weight's vec-dot format (ggml: from_float of vec_dot_type).
    if (X instanceof Float32Array) {
      quantizeActivationRow(vt, X, offX + i * k, xq, 0, k);
    } else {
      const row = s.f32(k);
      for (let c = 0; c < k; c++) row[c] = X[offX + i * k + c];
      quantizeActivationRow(vt, row, 0, xq, 0, k);
    }
    for (let r = 0; r < n; r++) {
      const sum = vecDot(w.type, wb, r * w.bytesPerRow, xq, 0, k);
      const o = offOut + i * n + r;
      O[o] = accumulate ? O[o] + sum : sum;
    }
  }
}

function checkIds(op: string, ids: Int32Array, count: number, rows: number): void {
  checkCount(op, 'count', count);
  if (ids.length < count) {
    throw new ShapeError(`${op}: ids holds ${ids.length} entries but needs ${count}`, { field: 'ids' });
  }
  for (let i = 0; i < count; i++) {
    if (ids[i] < 0 || ids[i] >= rows) {
      throw new ShapeError(`${op}: ids[${i}] = ${ids[i]} is outside the table of ${rows} rows`, {
        field: 'ids',
      });
    }
  }
}

/** Gathers rows `ids` of the table into out[count, cols], dequantizing. */
export function embedding(out: JsBuf, table: JsWeight, ids: Int32Array, count: number, s: Scratch): void {
  const op = 'embedding';
  checkIds(op, ids, count, table.rows);
  const k = table.cols;
  need(op, 'out', out, count * k, `count·cols = ${count}·${k}`);
  const O = out.data;
  for (let i = 0; i < count; i++) {
    const id = ids[i];
    if (table.f32 !== null) {
      for (let c = 0; c < k; c++) O[i * k + c] = table.f32[id * k + c];
    } else if (O instanceof Float32Array) {
      dequantizeRow(table.type, table.buf.u8!, id * table.bytesPerRow, O, i * k, k);
    } else {
      const row = s.f32(k);
      dequantizeRow(table.type, table.buf.u8!, id * table.bytesPerRow, row, 0, k);
      for (let c = 0; c < k; c++) O[i * k + c] = row[c];
    }
  }
}

/** dtable[ids[i], :] += dout[i, :] (rows of dim). */
export function embeddingBackward(
  dtable: JsBuf,
  dout: JsBuf,
  ids: Int32Array,
  count: number,
  dim: number,
): void {
  const op = 'embeddingBackward';
  checkCount(op, 'dim', dim);
  checkIds(op, ids, count, dim === 0 ? Number.MAX_SAFE_INTEGER : Math.floor(dtable.length / dim));
  need(op, 'dout', dout, count * dim);
  const T = dtable.data;
  const D = dout.data;
  for (let i = 0; i < count; i++) {
    const o = ids[i] * dim;
    for (let c = 0; c < dim; c++) T[o + c] += D[i * dim + c];
  }
}
