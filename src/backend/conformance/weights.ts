// Random weight matrices in any GGML format the quant/ API can read, for backend tests.
// Formats with a quantizer get quantized normals; read-only formats (e.g. Q2_K, Q3_K here) get
// random bytes with their f16 scale fields set to small finite values.

import { canQuantize, f32ToF16, quantizeRow } from '../../quant/index.js';
import { GgmlType, rowBytes, typeName, typeTraits } from '../../tensor/dtype.js';
import type { Rng } from './random.js';

/** Byte offsets of the f16 scale fields inside one block of formats without a quantizer. */
const F16_FIELDS: ReadonlyMap<GgmlType, readonly number[]> = new Map([
  [GgmlType.Q2_K, [80, 82]], // scales[16], qs[64], d, dmin
  [GgmlType.Q3_K, [108]], // hmask[32], qs[64], scales[12], d
  [GgmlType.IQ4_NL, [0]], // d, qs[16] (32 values)
  [GgmlType.IQ4_XS, [0]], // d, scales_h, scales_l[4], qs[128]
]);

/** Bytes of a [rows, cols] weight of `type` holding random values of scale ~`std`. */
export function randomWeight(type: GgmlType, rows: number, cols: number, rng: Rng, std = 0.5): Uint8Array {
  const rb = rowBytes(type, cols);
  if (rb === undefined)
    throw new RangeError(`randomWeight: cols ${cols} is not a multiple of ${typeName(type)} blocks`);
  const out = new Uint8Array(rows * rb);
  if (type === GgmlType.F32) {
    new Uint8Array(out.buffer).set(new Uint8Array(rng.normals(rows * cols, std).buffer));
    return out;
  }
  if (canQuantize(type)) {
    const src = rng.normals(rows * cols, std);
    for (let r = 0; r < rows; r++) quantizeRow(type, src, r * cols, out, r * rb, cols);
    return out;
  }
  const fields = F16_FIELDS.get(type);
  if (fields === undefined) throw new RangeError(`randomWeight: no generator for ${typeName(type)}`);
  for (let i = 0; i < out.length; i++) out[i] = rng.int(0, 256);
  const blockBytes = typeTraits(type).typeSize;
  for (let o = 0; o < out.length; o += blockBytes) {
    for (const f of fields) {
      const h = f32ToF16((std / 8) * (0.5 + rng.next()));
      out[o + f] = h & 0xff;
      out[o + f + 1] = h >>> 8;
    }
  }
  return out;
}
