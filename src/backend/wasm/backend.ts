// WasmBackend: the Backend interface over AssemblyScript SIMD kernels on one shared memory.
// Hot ops (GEMM, linear, attention, norms, element-wise) are WASM and parallel; training-only
// ops are loops over the memory view (ops-train.ts, ops-attn.ts).
import { FormatError, ShapeError, UnsupportedError, UsageError } from '../../errors.js';
import { canDequantize, dequantizeRow } from '../../quant/index.js';
import { GgmlType, rowBytes, typeName } from '../../tensor/dtype.js';
import type { AttentionParams, Backend, Buf, MatmulParams, RopeParams, Weight } from '../backend.js';
import { dispatchAttention } from './attention-dispatch.js';
import { attentionQ8, quantizeRows } from './attention-q8.js';
import { asWasm, checkDim, f32At, WasmBuf, type WasmWeight } from './buf.js';
import type { WasmContext } from './context.js';
import { BType, type GemmArgs, gemm } from './gemm.js';
import {
  allocQuantWeight,
  commitQuantWeight,
  quantLinear,
  quantLinearTypes,
  quantWeightBytes,
} from './quantized.js';
import { LAYOUT_G4, LAYOUT_G4T, LAYOUT_GGUF, LAYOUT_Q4KT, LAYOUT_Q6KT, unpackRow } from './repack.js';
import { rope } from './rope.js';
import { WasmTrainOps } from './train-ops.js';

const G: GemmArgs = {
  a: 0,
  lda: 0,
  transA: false,
  strideA: 0,
  b: 0,
  bType: BType.F32,
  ldb: 0,
  transB: false,
  strideB: 0,
  c: 0,
  ldc: 0,
  strideC: 0,
  m: 0,
  n: 0,
  k: 0,
  alpha: 1,
  accumulate: false,
  batch: 1,
};
/** Reusable argument arrays by length (kernels read args.length). */
const ARGS: number[][] = Array.from({ length: 17 }, (_, n) => new Array<number>(n).fill(0));
/** Up to this many activation rows, linear uses the matvec kernel instead of GEMM. */
const MATVEC_MAX_M = 4;

/** Quantized weight layouts the embedding gather reads rows of. */
const ROW_LAYOUTS: ReadonlySet<string> = new Set([
  LAYOUT_GGUF,
  LAYOUT_G4,
  LAYOUT_G4T,
  LAYOUT_Q4KT,
  LAYOUT_Q6KT,
]);

function plainType(t: GgmlType): BType | -1 {
  return t === GgmlType.F32
    ? BType.F32
    : t === GgmlType.F16
      ? BType.F16
      : t === GgmlType.BF16
        ? BType.BF16
        : -1;
}

export class WasmBackend extends WasmTrainOps implements Backend {
  /** One quantized row in GGUF order (embedding gathers from g4 tables); grown on demand. */
  private rowScratch = new Uint8Array(0);
  readonly name: string;

  constructor(ctx: WasmContext) {
    super(ctx);
    this.name = `wasm-${ctx.relaxed ? 'relaxed' : 'simd'}`;
  }

  get threads(): number {
    return this.ctx.threads;
  }

  /** The context (memory, allocator, thread pool) for kernels built on this backend. */
  get context(): WasmContext {
    return this.ctx;
  }

  // ---- memory -------------------------------------------------------------------------------
  alloc(bytes: number): Buf {
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      throw new ShapeError(`alloc: bytes = ${bytes} is not a valid size`, { field: 'bytes' });
    }
    return new WasmBuf(this.ctx.alloc(bytes), bytes);
  }

  view(buf: Buf, byteOffset: number, bytes: number): Buf {
    const b = asWasm(buf, 'view');
    if (!Number.isInteger(byteOffset) || !Number.isInteger(bytes) || byteOffset < 0 || bytes < 0) {
      throw new ShapeError(`view: offset ${byteOffset} / size ${bytes} must be non-negative integers`);
    }
    if (byteOffset + bytes > b.bytes) {
      throw new ShapeError(
        `view: [${byteOffset}, ${byteOffset + bytes}) is outside a ${b.bytes}-byte buffer`,
      );
    }
    if (byteOffset % 4 !== 0) throw new ShapeError(`view: byte offset ${byteOffset} is not a multiple of 4`);
    return new WasmBuf(b.ptr + byteOffset, bytes, b.owner ?? b);
  }

  free(buf: Buf): void {
    const b = asWasm(buf, 'free');
    if (!b.isAllocation) return; // views own nothing
    b.freed = true;
    this.ctx.free(b.ptr);
  }

  write(dst: Buf, src: ArrayBufferView, dstByteOffset = 0): void {
    const d = asWasm(dst, 'write');
    if (dstByteOffset < 0 || dstByteOffset + src.byteLength > d.bytes) {
      throw new ShapeError(
        `write: ${src.byteLength} bytes at ${dstByteOffset} overflow a ${d.bytes}-byte buffer`,
      );
    }
    this.ctx.u8().set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength), d.ptr + dstByteOffset);
  }

  read(src: Buf, dst: ArrayBufferView, srcByteOffset = 0): void {
    const s = asWasm(src, 'read');
    if (srcByteOffset < 0 || srcByteOffset + dst.byteLength > s.bytes) {
      throw new ShapeError(
        `read: ${dst.byteLength} bytes at ${srcByteOffset} overflow a ${s.bytes}-byte buffer`,
      );
    }
    const start = s.ptr + srcByteOffset;
    new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength).set(
      this.ctx.u8().subarray(start, start + dst.byteLength),
    );
  }

  fill(dst: Buf, value: number, n: number, off = 0): void {
    const p = f32At(dst, off, n, 'fill', 'dst');
    this.ew('ew_fill', 2, p, value, 0, n);
  }

  copy(dst: Buf, src: Buf, n: number, offDst = 0, offSrc = 0): void {
    const d = f32At(dst, offDst, n, 'copy', 'dst');
    const s = f32At(src, offSrc, n, 'copy', 'src');
    this.ctx.f32().copyWithin(d >>> 2, s >>> 2, (s >>> 2) + n);
  }

  // ---- weights ------------------------------------------------------------------------------
  supportsWeight(type: GgmlType): boolean {
    return plainType(type) !== -1 || quantLinearTypes.has(type);
  }

  uploadWeight(type: GgmlType, rows: number, cols: number, data: Uint8Array): Weight {
    const bytes = this.weightBytes('uploadWeight', type, rows, cols);
    if (data.byteLength !== bytes) {
      throw new ShapeError(
        `uploadWeight: ${typeName(type)} [${rows}, ${cols}] needs ${bytes} bytes, got ${data.byteLength}`,
        { field: 'data' },
      );
    }
    const { weight, bytes: view } = this.allocWeight(type, rows, cols);
    view.set(data);
    try {
      return this.commitWeight(weight);
    } catch (e) {
      this.freeWeight(weight);
      throw e;
    }
  }

  /** Storage bytes of a weight (file layout); throws for unsupported types and bad sizes. */
  private weightBytes(op: string, type: GgmlType, rows: number, cols: number): number {
    checkDim(op, 'rows', rows);
    checkDim(op, 'cols', cols);
    const bt = plainType(type);
    if (bt !== -1) return rows * cols * (bt === BType.F32 ? 4 : 2);
    if (quantLinearTypes.has(type)) return quantWeightBytes(op, type, rows, cols);
    throw new UnsupportedError(`WASM backend: weight type ${typeName(type)} is not supported`, {
      field: 'type',
    });
  }

  allocWeight(type: GgmlType, rows: number, cols: number): { weight: Weight; bytes: Uint8Array } {
    const bytes = this.weightBytes('allocWeight', type, rows, cols);
    const w: WasmWeight = quantLinearTypes.has(type)
      ? allocQuantWeight(this.ctx, type, rows, cols)
      : { type, rows, cols, buf: new WasmBuf(this.ctx.alloc(bytes), bytes) };
    // A view of the final storage: valid until the next allocation (growth replaces the buffer).
    const p = w.buf.ptr;
    return { weight: w, bytes: this.ctx.u8().subarray(p, p + bytes) };
  }

  commitWeight(w: Weight): Weight {
    const b = asWasm(w.buf, 'commitWeight');
    if (b.bytes !== this.weightBytes('commitWeight', w.type, w.rows, w.cols)) {
      throw new ShapeError('commitWeight: the weight does not match its buffer', { field: 'w' });
    }
    if (plainType(w.type) === BType.F16 && this.ctx.exports.f16_nonfinite!(b.ptr, w.rows * w.cols) !== 0) {
      // The f16 decode kernel widens finite halves only (kernels/matvec.ts).
      throw new FormatError(`commitWeight: F16 weight [${w.rows}, ${w.cols}] holds an inf or NaN`, {
        field: 'data',
      });
    }
    return quantLinearTypes.has(w.type) ? commitQuantWeight(this.ctx, w as WasmWeight) : w;
  }

  freeWeight(w: Weight): void {
    this.free(w.buf);
  }

  // ---- matrix products ----------------------------------------------------------------------
  matmul(out: Buf, a: Buf, b: Buf, p: MatmulParams): void {
    const { m, n, k } = p;
    checkDim('matmul', 'm', m);
    checkDim('matmul', 'n', n);
    checkDim('matmul', 'k', k);
    const transA = p.transA === true;
    const transB = p.transB === true;
    const batch = p.batch ?? 1;
    checkDim('matmul', 'batch', batch);
    const lda = p.lda ?? (transA ? m : k);
    const ldb = p.ldb ?? (transB ? k : n);
    const ldo = p.ldo ?? n;
    const sA = p.strideA ?? m * k;
    const sB = p.strideB ?? k * n;
    const sO = p.strideOut ?? m * n;
    if (batch === 0 || m === 0 || n === 0) return;
    // Extent (elements) touched by the last batch item, for bounds checks.
    const extA = (batch - 1) * sA + (transA ? (k - 1) * lda + m : (m - 1) * lda + k);
    const extB = (batch - 1) * sB + (transB ? (n - 1) * ldb + k : (k - 1) * ldb + n);
    const extO = (batch - 1) * sO + (m - 1) * ldo + n;
    const g = G;
    g.a = f32At(a, p.offA ?? 0, k === 0 ? 0 : extA, 'matmul', 'a');
    g.b = f32At(b, p.offB ?? 0, k === 0 ? 0 : extB, 'matmul', 'b');
    g.c = f32At(out, p.offOut ?? 0, extO, 'matmul', 'out');
    g.lda = lda;
    g.transA = transA;
    g.strideA = sA;
    g.bType = BType.F32;
    g.ldb = ldb;
    g.transB = transB;
    g.strideB = sB;
    g.ldc = ldo;
    g.strideC = sO;
    g.m = m;
    g.n = n;
    g.k = k;
    g.alpha = p.alpha ?? 1;
    g.accumulate = p.accumulate === true;
    g.batch = batch;
    gemm(this.ctx, g);
  }

  linear(out: Buf, x: Buf, w: Weight, m: number, accumulate = false, offX = 0, offOut = 0): void {
    checkDim('linear', 'm', m);
    const wb = asWasm(w.buf, 'linear.w');
    const K = w.cols;
    const N = w.rows;
    const xp = f32At(x, offX, m * K, 'linear', 'x');
    const yp = f32At(out, offOut, m * N, 'linear', 'out');
    if (m === 0 || N === 0) return;
    const bt = plainType(w.type);
    if (bt === -1) {
      if (!quantLinearTypes.has(w.type)) {
        throw new UnsupportedError(`linear: weight type ${typeName(w.type)} is not supported`, {
          field: 'w.type',
        });
      }
      quantLinear(this.ctx, out, x, w as WasmWeight, m, accumulate, offX, offOut);
      return;
    }
    let xa = xp;
    if (bt !== BType.F32) {
      // ggml pairs f16 (bf16) weights with activations rounded to f16 (bf16).
      xa = this.ctx.scratch(2, m * K * 4);
      if (bt === BType.F16 && m <= MATVEC_MAX_M) {
        // The f16 matvec reads each group of 8 activations as evens then odds (kernels/matvec.ts).
        const r = ARGS[3]!;
        r[0] = xp;
        r[1] = xa;
        r[2] = K;
        this.ctx.parallel('round_f16_perm', r, m, 1);
      } else {
        const r = ARGS[2]!;
        r[0] = xp;
        r[1] = xa;
        this.ctx.parallel(bt === BType.F16 ? 'round_f16' : 'round_bf16', r, m * K, 65536);
      }
    }
    if (m <= MATVEC_MAX_M) {
      const a = ARGS[8]!;
      a[0] = wb.ptr;
      a[1] = bt;
      a[2] = K;
      a[3] = xa;
      a[4] = m;
      a[5] = yp;
      a[6] = N;
      a[7] = accumulate ? 1 : 0;
      const chunk = Math.max(4, Math.ceil(N / (this.ctx.threads * 16) / 4) * 4);
      this.ctx.parallel('matvec', a, N, chunk);
      return;
    }
    const g = G;
    g.a = xa;
    g.lda = K;
    g.transA = false;
    g.strideA = 0;
    g.b = wb.ptr;
    g.bType = bt;
    g.ldb = K;
    g.transB = true;
    g.strideB = 0;
    g.c = yp;
    g.ldc = N;
    g.strideC = 0;
    g.m = m;
    g.n = N;
    g.k = K;
    g.alpha = 1;
    g.accumulate = accumulate;
    g.batch = 1;
    gemm(this.ctx, g);
  }

  embedding(out: Buf, table: Weight, ids: Int32Array, count: number): void {
    checkDim('embedding', 'count', count);
    if (ids.length < count) throw new ShapeError(`embedding: ${count} ids requested, ${ids.length} given`);
    const dim = table.cols;
    const op = f32At(out, 0, count * dim, 'embedding', 'out');
    const tb = asWasm(table.buf, 'embedding.table');
    const bt = plainType(table.type);
    const rb = rowBytes(table.type, dim);
    if (
      bt === -1 &&
      (rb === undefined || !ROW_LAYOUTS.has((table as WasmWeight).layout ?? '') || !canDequantize(table.type))
    ) {
      throw new UnsupportedError(`embedding: table type ${typeName(table.type)} is not supported`, {
        field: 'table.type',
      });
    }
    for (let i = 0; i < count; i++) {
      const id = ids[i]!;
      if (!(id >= 0 && id < table.rows)) {
        throw new UsageError(`embedding: token id ${id} outside [0, ${table.rows})`, { field: 'ids' });
      }
    }
    const layout = (table as WasmWeight).layout ?? LAYOUT_GGUF;
    const repacked = bt === -1 && layout !== LAYOUT_GGUF;
    if (repacked && this.rowScratch.length < rb!) this.rowScratch = new Uint8Array(rb!);
    const f = this.ctx.f32();
    for (let i = 0; i < count; i++) {
      const id = ids[i]!;
      if (repacked) {
        // A repacked row (src/backend/wasm/repack.ts) goes back to GGUF's block order first.
        unpackRow(layout, table.type, this.ctx.u8(), tb.ptr + id * rb!, dim, this.rowScratch, 0);
        dequantizeRow(table.type, this.rowScratch, 0, f, (op >>> 2) + i * dim, dim);
      } else if (bt === BType.F32) {
        const s = (tb.ptr >>> 2) + id * dim;
        f.copyWithin((op >>> 2) + i * dim, s, s + dim);
      } else if (bt === -1) {
        // A quantized row in GGUF's block layout: dequantize it straight into `out`.
        dequantizeRow(table.type, this.ctx.u8(), tb.ptr + id * rb!, f, (op >>> 2) + i * dim, dim);
      } else {
        this.ctx.exports.widen_16!(tb.ptr + id * dim * 2, bt, op + i * dim * 4, 0, dim);
      }
    }
  }

  // ---- positional / attention ---------------------------------------------------------------
  rope(x: Buf, p: RopeParams): void {
    const hd = p.headDim;
    const rd = p.ropeDim ?? hd;
    if (rd % 2 !== 0 || rd > hd) throw new ShapeError(`rope: ropeDim ${rd} must be even and ≤ headDim ${hd}`);
    if (p.positions.length < p.tokens)
      throw new ShapeError(`rope: ${p.tokens} tokens, ${p.positions.length} positions`);
    if (p.freqFactors !== undefined && p.freqFactors.length < rd / 2) {
      throw new ShapeError(`rope: freqFactors needs ${rd / 2} values, got ${p.freqFactors.length}`);
    }
    const stride = p.rowStride ?? p.heads * hd;
    const ext = p.tokens === 0 ? 0 : (p.tokens - 1) * stride + p.heads * hd;
    const xp = f32At(x, p.off ?? 0, ext, 'rope', 'x');
    rope(this.ctx, xp, p);
  }

  attention(out: Buf, q: Buf, kCache: Buf, vCache: Buf, p: AttentionParams): void {
    const { tokens, nHead, nKvHead, headDim: hd, pos0 } = p;
    if (nKvHead <= 0 || nHead % nKvHead !== 0) {
      throw new ShapeError(`attention: nHead ${nHead} is not a multiple of nKvHead ${nKvHead}`);
    }
    if (p.kvType !== undefined && p.kvType !== GgmlType.F32) {
      if (p.kvType !== GgmlType.Q8_0) {
        throw new UnsupportedError(`attention: KV cache type ${typeName(p.kvType)} is not supported`, {
          field: 'kvType',
        });
      }
      attentionQ8(this.ctx, out, q, kCache, vCache, p);
      return;
    }
    const qStride = p.qStride ?? nHead * hd;
    const outStride = p.outStride ?? nHead * hd;
    const ctxLen = pos0 + tokens;
    const kv = nKvHead * hd;
    const qp = f32At(
      q,
      p.offQ ?? 0,
      tokens === 0 ? 0 : (tokens - 1) * qStride + nHead * hd,
      'attention',
      'q',
    );
    const op = f32At(
      out,
      p.offOut ?? 0,
      tokens === 0 ? 0 : (tokens - 1) * outStride + nHead * hd,
      'attention',
      'out',
    );
    const kp = f32At(kCache, p.offK ?? 0, ctxLen * kv, 'attention', 'kCache');
    const vp = f32At(vCache, p.offV ?? 0, ctxLen * kv, 'attention', 'vCache');
    dispatchAttention(
      this.ctx,
      'attention',
      { out: op, q: qp, k: kp, v: vp },
      p,
      qStride,
      outStride,
      () => 0,
    );
  }

  quantizeRows(
    dst: Buf,
    src: Buf,
    rows: number,
    cols: number,
    type: GgmlType,
    dstByteOffset = 0,
    offSrc = 0,
  ): void {
    quantizeRows(this.ctx, dst, src, rows, cols, type, dstByteOffset, offSrc);
  }

  dispose(): void {
    this.ctx.dispose();
  }
}
