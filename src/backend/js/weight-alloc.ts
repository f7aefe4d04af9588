// Validation for Backend.allocWeight on the JS backend (no data yet, so only type and shape).
import { ShapeError, UnsupportedError } from '../../errors.js';
import { type GgmlType, rowBytes, typeName } from '../../tensor/dtype.js';
import { checkCount } from './buf.js';
import { supportsWeightType } from './linear.js';

/** Row size in bytes of a [rows, cols] weight of `type`; throws a typed error naming the field. */
export function weightRowBytes(op: string, type: GgmlType, rows: number, cols: number): number {
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
  if (!Number.isSafeInteger(rows * rb)) {
    throw new ShapeError(`${op}: [${rows}, ${cols}] ${typeName(type)} is too large`, { field: 'rows' });
  }
  return rb;
}
