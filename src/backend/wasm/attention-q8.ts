// The Q8_0 KV cache on the WASM backend: row writes (kernels/kv_q8.ts kv_quant_q8_0, parallel
// over blocks) and attention over Q8_0 K/V (attention_q8_0, the (token, kv-head block) unit
// scheme of the f32 kernel). Offsets of Q8_0 caches are in bytes (see AttentionParams.kvType).
import { ShapeError, UnsupportedError } from '../../errors.js';
import { GgmlType, typeName } from '../../tensor/dtype.js';
import type { AttentionParams, Buf } from '../backend.js';
import { dispatchAttention } from './attention-dispatch.js';
import { asWasm, f32At } from './buf.js';
import type { WasmContext } from './context.js';

const Q8_BLOCK_BYTES = 34;
/** Reusable argument arrays (kernels read args.length). */
const QARGS: number[] = [0, 0];

function checkInt(op: string, name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0 || v > 0xffffffff) {
    throw new ShapeError(`${op}: ${name} must be a non-negative integer, got ${v}`, { field: name });
  }
}

/** Checks that `bytes` bytes at byte `off` fit in `b`; returns the byte address. */
function bytesAt(b: Buf, off: number, bytes: number, op: string, what: string): number {
  const w = asWasm(b, `${op}.${what}`);
  checkInt(op, what, off);
  if (off + bytes > w.bytes) {
    throw new ShapeError(`${op}: ${what} needs ${off + bytes} bytes (offset ${off}), buffer has ${w.bytes}`, {
      field: what,
    });
  }
  return w.ptr + off;
}

/** See Backend.quantizeRows. */
export function quantizeRows(
  ctx: WasmContext,
  dst: Buf,
  src: Buf,
  rows: number,
  cols: number,
  type: GgmlType,
  dstByteOffset: number,
  offSrc: number,
): void {
  const op = 'quantizeRows';
  checkInt(op, 'rows', rows);
  checkInt(op, 'cols', cols);
  const n = rows * cols;
  const sp = f32At(src, offSrc, n, op, 'src');
  if (type === GgmlType.F32) {
    if (dstByteOffset % 4 !== 0) {
      throw new ShapeError(`${op}: dstByteOffset ${dstByteOffset} is not a multiple of 4 (F32 rows)`, {
        field: 'dstByteOffset',
      });
    }
    const dp = bytesAt(dst, dstByteOffset, n * 4, op, 'dst');
    ctx.f32().copyWithin(dp >>> 2, sp >>> 2, (sp >>> 2) + n);
    return;
  }
  if (type !== GgmlType.Q8_0) {
    throw new UnsupportedError(`${op}: type ${typeName(type)} is not supported (F32, Q8_0)`, {
      field: 'type',
    });
  }
  if (cols % 32 !== 0) {
    throw new ShapeError(`${op}: cols ${cols} is not a multiple of the Q8_0 block size 32`, {
      field: 'cols',
    });
  }
  const nb = n / 32;
  const dp = bytesAt(dst, dstByteOffset, nb * Q8_BLOCK_BYTES, op, 'dst');
  if (nb === 0) return;
  QARGS[0] = sp;
  QARGS[1] = dp;
  ctx.parallel('kv_quant_q8_0', QARGS, nb, Math.max(64, Math.ceil(nb / (ctx.threads * 4))));
}

/** Attention over Q8_0 caches (p.kvType === Q8_0); q/out offsets in elements, offK/offV in bytes. */
export function attentionQ8(
  ctx: WasmContext,
  out: Buf,
  q: Buf,
  kCache: Buf,
  vCache: Buf,
  p: AttentionParams,
): void {
  const op = 'attention';
  const { tokens, nHead, nKvHead, headDim: hd, pos0 } = p;
  if (hd % 32 !== 0 || hd <= 0) {
    throw new UnsupportedError(
      `${op}: a Q8_0 KV cache needs headDim a multiple of 32, got ${hd} (use cacheType f32)`,
      { field: 'headDim' },
    );
  }
  checkInt(op, 'tokens', tokens);
  checkInt(op, 'pos0', pos0);
  if (p.window !== undefined && !(Number.isSafeInteger(p.window) && p.window > 0)) {
    throw new ShapeError(`${op}: window must be a positive integer, got ${p.window}`, { field: 'window' });
  }
  const qStride = p.qStride ?? nHead * hd;
  const outStride = p.outStride ?? nHead * hd;
  const ctxLen = pos0 + tokens;
  const rowB = nKvHead * (hd / 32) * Q8_BLOCK_BYTES;
  const qp = f32At(q, p.offQ ?? 0, tokens === 0 ? 0 : (tokens - 1) * qStride + nHead * hd, op, 'q');
  const outp = f32At(out, p.offOut ?? 0, tokens === 0 ? 0 : (tokens - 1) * outStride + nHead * hd, op, 'out');
  const kp = bytesAt(kCache, p.offK ?? 0, ctxLen * rowB, op, 'kCache');
  const vp = bytesAt(vCache, p.offV ?? 0, ctxLen * rowB, op, 'vCache');
  // Per thread before the scores: q16 i16 [heads][hd] | dq f32 [heads][hd/32] | ds f32
  // [hd/32][heads], 16-aligned.
  dispatchAttention(
    ctx,
    'attention_q8_0',
    { out: outp, q: qp, k: kp, v: vp },
    p,
    qStride,
    outStride,
    (heads) => Math.ceil((heads * hd * 2 + 2 * heads * (hd / 32) * 4) / 16) * 16,
  );
}
