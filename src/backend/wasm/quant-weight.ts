// In-place loading of quantized weights for the WASM backend (Backend.allocWeight/commitWeight):
// validate and allocate the final storage, let the caller fill it with the file's block bytes,
// then run the post-upload step every quantized weight goes through.
import { ShapeError, UnsupportedError } from '../../errors.js';
import { type GgmlType, rowBytes, typeName, typeTraits } from '../../tensor/dtype.js';
import { checkDim, WasmBuf, type WasmWeight } from './buf.js';
import type { WasmContext } from './context.js';
import { prepareQuantWeight, quantLinearTypes } from './quant-linear.js';
import { kernelLayout } from './repack.js';

/**
 * Bytes of a quantized weight [rows, cols] in GGUF block layout. Throws UnsupportedError for a
 * type without a WASM kernel, ShapeError (naming the field) for bad or empty dimensions.
 */
export function quantWeightBytes(op: string, type: GgmlType, rows: number, cols: number): number {
  if (!quantLinearTypes.has(type)) {
    throw new UnsupportedError(`${op}: no WASM quantized kernel for ${typeName(type)}`, { field: 'type' });
  }
  checkDim(op, 'rows', rows);
  checkDim(op, 'cols', cols);
  if (rows === 0 || cols === 0)
    throw new ShapeError(`${op}: empty weight [${rows}, ${cols}]`, { field: 'rows' });
  const rb = rowBytes(type, cols);
  if (rb === undefined) {
    const bs = typeTraits(type).blockSize;
    throw new ShapeError(`${op}: cols = ${cols} is not a multiple of ${typeName(type)}'s block size ${bs}`, {
      field: 'cols',
    });
  }
  return rows * rb;
}

/** Allocates a quantized weight's storage (content unspecified until the caller fills it). */
export function allocQuantWeight(ctx: WasmContext, type: GgmlType, rows: number, cols: number): WasmWeight {
  const bytes = quantWeightBytes('allocWeight', type, rows, cols);
  const ptr = ctx.alloc(bytes);
  return { type, rows, cols, buf: new WasmBuf(ptr, bytes), layout: kernelLayout(type, ctx.relaxed) };
}

/**
 * The post-upload step of a quantized weight filled in place: quant-linear.ts's
 * prepareQuantWeight (checks, any repacking), the same step uploadQuantWeight runs, so both
 * upload paths produce the same weight. Throws what it throws (e.g. FormatError for a non-finite
 * block scale); the caller frees the weight then.
 */
export function commitQuantWeight(ctx: WasmContext, w: WasmWeight): WasmWeight {
  prepareQuantWeight(ctx, w);
  return w;
}

/**
 * Copies a quantized weight [rows, cols] (GGUF block bytes, row-major) into wasm memory and runs
 * the post-upload step: allocWeight + commitWeight with a copy in between. Throws UnsupportedError
 * for other types, ShapeError when sizes do not match, CapacityError (from the allocator) past
 * wasm32's 4 GiB, and what commitQuantWeight throws (the weight is freed then).
 */
export function uploadQuantWeight(
  ctx: WasmContext,
  type: GgmlType,
  rows: number,
  cols: number,
  data: Uint8Array,
): WasmWeight {
  const bytes = quantWeightBytes('uploadQuantWeight', type, rows, cols);
  if (data.byteLength !== bytes) {
    throw new ShapeError(
      `uploadQuantWeight: ${typeName(type)} [${rows}, ${cols}] needs ${bytes} bytes, got ${data.byteLength}`,
      { field: 'data' },
    );
  }
  const w = allocQuantWeight(ctx, type, rows, cols);
  ctx.u8().set(data, w.buf.ptr);
  try {
    return commitQuantWeight(ctx, w);
  } catch (e) {
    ctx.free(w.buf.ptr);
    throw e;
  }
}
