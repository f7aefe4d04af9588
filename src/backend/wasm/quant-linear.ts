// Quantized linear layers of the WASM backend: out[m, rows] (+)= x[m, cols] · Wᵀ for weights in
// Q8_0, Q4_0, Q4_K, Q5_K and Q6_K. Like ggml's CPU path, each activation row is first quantized
// (kernels/quant_act.ts: Q8_0 blocks for Q8_0/Q4_0 weights, Q8_K super-blocks for K-quants,
// value-exact with quantize_row_q8_0_ref / quantize_row_q8_K_ref), then every output is an exact
// integer block dot product scaled as ggml's generic vec_dot does (kernels/quant_<type>.ts).
//
// Weight layout: rows keep their offset and size; at upload Q8_0 rows are reordered into the g4
// layout (src/backend/wasm/repack.ts: 4 block scales together), Q4_0 rows into g4t in the relaxed
// build (g4 with each group's quants transposed: a vector holds 8 values of each of its 4
// blocks) and into g4 in the portable one, Q4_K rows into q4k-t (quants transposed so a vector
// holds 4 values of every sub-block), Q6_K rows into q6k-t in the relaxed build (its 16-value
// sub-blocks transposed likewise); Q5_K keeps the GGUF block layout. For the transposed layouts
// the activation planes are written in the same order. Readers of single rows (the embedding
// gather) convert a row back with unpackRow. After upload every weight goes through
// prepareQuantWeight (checks, repacking); the layout is recorded in WasmWeight.layout.
// Threads: both steps run on the context's pool: the activation quantization over tokens
// (parallel), the products over weight rows in dynamically claimed chunks (parallelTid: each
// thread also gets a small private scratch region). The activation planes and the per-thread
// regions live in one scratch allocation per context, grown on demand and reused (no allocation
// per call once warm).
import { FormatError, ShapeError, UnsupportedError, UsageError } from '../../errors.js';
import { GgmlType, rowBytes, typeName, typeTraits } from '../../tensor/dtype.js';
import type { Buf } from '../backend.js';
import { checkDim, f32At, WasmBuf, type WasmWeight } from './buf.js';
import type { WasmContext } from './context.js';
import { kernelLayout, LAYOUT_G4, LAYOUT_G4T, LAYOUT_Q4KT, LAYOUT_Q6KT } from './repack.js';

interface QuantKernel {
  /** The linear kernel export. */
  readonly fn: string;
  /** The activation format: Q8_0 (32-value blocks) or Q8_K (256-value super-blocks). */
  readonly act: 'q8_0' | 'q8_k';
}

/** The kernel of each supported weight type (static registry). */
const KERNELS: ReadonlyMap<GgmlType, QuantKernel> = new Map([
  [GgmlType.Q8_0, { fn: 'quant_linear_q8_0', act: 'q8_0' }],
  [GgmlType.Q4_0, { fn: 'quant_linear_q4_0', act: 'q8_0' }],
  [GgmlType.Q4_K, { fn: 'quant_linear_q4_k', act: 'q8_k' }],
  [GgmlType.Q5_K, { fn: 'quant_linear_q5_k', act: 'q8_k' }],
  [GgmlType.Q6_K, { fn: 'quant_linear_q6_k', act: 'q8_k' }],
]);

/** Weight types quantLinear accepts. */
export const quantLinearTypes: ReadonlySet<GgmlType> = new Set(KERNELS.keys());

/**
 * Byte offsets of the f16 scales in each block of the types whose kernels widen them with the
 * finite-only conversions (Q.f16hi, Q.f16fin1 in kernels/quant_util.ts).
 */
const F16_SCALES: ReadonlyMap<GgmlType, readonly number[]> = new Map([
  [GgmlType.Q8_0, [0]],
  [GgmlType.Q4_0, [0]],
  [GgmlType.Q4_K, [0, 2]],
  [GgmlType.Q5_K, [0, 2]],
  [GgmlType.Q6_K, [208]],
]);

/**
 * The step every quantized weight goes through once its bytes are in wasm memory (both upload
 * paths: uploadQuantWeight and the in-place allocWeight + commitWeight), with the bytes in GGUF's
 * block layout. The f16 block scales (Q8_0/Q4_0 d, Q4_K/Q5_K d and dmin, Q6_K d) must be finite,
 * because the kernels widen them with conversions exact for finite values only (an inf or NaN
 * scale means a corrupt file; ggml would output inf/NaN): FormatError (field 'data') naming the
 * row and block, before anything is changed. Then rows are repacked in place (on the pool; memory
 * speed): Q8_0 into g4, Q4_0 into g4t (relaxed build) or g4, Q4_K into q4k-t, Q6_K into q6k-t
 * (relaxed build) (w.layout).
 */
export function prepareQuantWeight(ctx: WasmContext, w: WasmWeight): void {
  const offsets = F16_SCALES.get(w.type);
  if (offsets === undefined) return;
  const { blockSize, typeSize } = typeTraits(w.type);
  const u8 = ctx.u8();
  const end = w.buf.ptr + w.buf.bytes;
  for (const at of offsets) {
    const start = w.buf.ptr + at + 1; // the f16's high byte (little-endian)
    for (let p = start; p < end; p += typeSize) {
      if ((u8[p]! & 0x7c) !== 0x7c) continue;
      const blk = (p - start) / typeSize;
      const perRow = w.cols / blockSize;
      throw new FormatError(
        `${typeName(w.type)} weight [${w.rows}, ${w.cols}]: block ${blk % perRow} of row ${Math.floor(blk / perRow)} has a non-finite scale`,
        { field: 'data' },
      );
    }
  }
  const layout = w.layout;
  const nb = w.cols / blockSize;
  const chunk = Math.max(1, Math.ceil(65536 / (nb * typeSize)));
  if (layout === LAYOUT_G4) ctx.parallel('repack_g4', [w.buf.ptr, nb, typeSize], w.rows, chunk);
  else if (layout === LAYOUT_G4T) ctx.parallel('repack_g4t', [w.buf.ptr, nb], w.rows, chunk);
  else if (layout === LAYOUT_Q4KT) ctx.parallel('repack_q4k', [w.buf.ptr, nb], w.rows, chunk);
  else if (layout === LAYOUT_Q6KT) ctx.parallel('repack_q6k', [w.buf.ptr, nb], w.rows, chunk);
}

/** Per-context activation scratch (one allocation, grown on demand). */
interface ActScratch {
  ptr: number;
  bytes: number;
}
const scratchByCtx = new WeakMap<WasmContext, ActScratch>();

function scratch(ctx: WasmContext, bytes: number): number {
  let s = scratchByCtx.get(ctx);
  if (s !== undefined && s.bytes >= bytes) return s.ptr;
  const size = Math.max(bytes, 1 << 16, s === undefined ? 0 : Math.ceil(s.bytes * 1.5));
  if (s !== undefined) ctx.free(s.ptr);
  const ptr = ctx.alloc(size);
  s = { ptr, bytes: size };
  scratchByCtx.set(ctx, s);
  return ptr;
}

const align64 = (n: number): number => Math.ceil(n / 64) * 64;

/** Reusable argument arrays (no allocation per call): Q8_0-family and Q8_K-family signatures. */
const actArgs0 = new Array<number>(7).fill(0);
const actArgsK = new Array<number>(8).fill(0);
const linArgs0 = new Array<number>(11).fill(0);
const linArgsK = new Array<number>(12).fill(0);

/**
 * out[offOut + t·rows + r] (+)= Σ_k x[offX + t·cols + k] · W[r, k] for t < m (offsets in f32
 * elements; x and out rows are dense).
 */
export function quantLinear(
  ctx: WasmContext,
  out: Buf,
  x: Buf,
  w: WasmWeight,
  m: number,
  accumulate = false,
  offX = 0,
  offOut = 0,
): void {
  const op = 'linear';
  const k = KERNELS.get(w.type);
  if (k === undefined) throw new UnsupportedError(`${op}: no WASM quantized kernel for ${typeName(w.type)}`);
  checkDim(op, 'm', m);
  if (m === 0) return;
  const K = w.cols;
  const N = w.rows;
  const rb = rowBytes(w.type, K);
  if (rb === undefined || !(w.buf instanceof WasmBuf) || w.buf.bytes < N * rb) {
    throw new ShapeError(`${op}: weight ${typeName(w.type)} [${N}, ${K}] does not match its buffer`, {
      field: 'w',
    });
  }
  // The kernels read the layout of their build (kernelLayout); a weight prepared otherwise would
  // give wrong numbers, not an error
  const layout = w.layout;
  if (layout !== kernelLayout(w.type, ctx.relaxed)) {
    throw new UsageError(
      `${op}: weight ${typeName(w.type)} is in layout ${layout}, the ${ctx.relaxed ? 'relaxed' : 'portable'} kernels read ${kernelLayout(w.type, ctx.relaxed)} (upload it with uploadQuantWeight or allocWeight + commitWeight)`,
      { field: 'w.layout' },
    );
  }
  const xPtr = f32At(x, offX, m * K, op, 'x');
  const oPtr = f32At(out, offOut, m * N, op, 'out');

  // Activation planes: q8 [mp][K] i8, q16 [mp][K] i16, d [mp][nd] f32, then s [mp][K/32] i32
  // (Q8_0) or bs16 [mp][K/16] i16 and bs32 [mp][K/32] i16 (Q8_K).
  // The kernels may run the last 3 tokens as a 4-token tile, so the planes hold mp ≥ m rows (m
  // rounded up to a multiple of 4 when m % 4 = 3); the padding row is zeroed and its results are
  // never stored. (A 4-token tile costs 2-3 single tokens, depending on the type.)
  const mp = m % 4 === 3 ? m + 1 : m;
  const nd = k.act === 'q8_0' ? K / 32 : K / 256;
  const a1Row = k.act === 'q8_0' ? (K / 32) * 4 : (K / 16) * 2;
  const a2Row = k.act === 'q8_0' ? 0 : (K / 32) * 2;
  const q8Bytes = align64(mp * K);
  const q16Bytes = align64(mp * K * 2);
  const dBytes = align64(mp * nd * 4);
  const a1Bytes = align64(mp * a1Row);
  const a2Bytes = align64(mp * a2Row);
  // Per thread: a row's f32 weight scales (Q8_0/Q4_0) and a store sink (see the kernels).
  const perThread = k.act === 'q8_0' ? align64((K / 32) * 4) + 128 : 64;
  const base = scratch(ctx, q8Bytes + q16Bytes + dBytes + a1Bytes + a2Bytes + perThread * ctx.threads);
  const q8 = base;
  const q16 = q8 + q8Bytes;
  const d = q16 + q16Bytes;
  const a1 = d + dBytes;
  const a2 = a1 + a1Bytes;
  const rowScratch = a2 + a2Bytes;
  if (mp > m) {
    const u8 = ctx.u8();
    u8.fill(0, q8 + m * K, q8 + mp * K);
    u8.fill(0, q16 + m * K * 2, q16 + mp * K * 2);
    u8.fill(0, d + m * nd * 4, d + mp * nd * 4);
    u8.fill(0, a1 + m * a1Row, a1 + mp * a1Row);
    u8.fill(0, a2 + m * a2Row, a2 + mp * a2Row);
  }

  const threads = ctx.threads;
  const q80 = k.act === 'q8_0';
  const act = q80 ? actArgs0 : actArgsK;
  act[0] = xPtr;
  act[1] = K;
  act[2] = q8;
  act[3] = q16;
  act[4] = d;
  act[5] = a1;
  // q8 / q16 in the order of the weight's layout (g4t, q4k-t, q6k-t) or as they come
  if (q80) act[6] = layout === LAYOUT_G4T ? 1 : 0;
  else {
    act[6] = a2;
    act[7] = layout === LAYOUT_Q4KT ? 1 : layout === LAYOUT_Q6KT ? 2 : 0;
  }
  ctx.parallel(q80 ? 'quant_act_q8_0' : 'quant_act_q8_k', act, m, Math.max(1, Math.ceil(m / (threads * 4))));

  const lin = q80 ? linArgs0 : linArgsK;
  let n = 0;
  lin[n++] = w.buf.ptr;
  lin[n++] = K;
  lin[n++] = q8;
  lin[n++] = q16;
  lin[n++] = d;
  lin[n++] = a1;
  if (!q80) lin[n++] = a2;
  lin[n++] = m;
  lin[n++] = oPtr;
  lin[n++] = N;
  lin[n++] = accumulate ? 1 : 0;
  lin[n++] = rowScratch;
  ctx.parallelTid(k.fn, lin, N, rowChunk(N, rb, m, threads));
}

/**
 * Rows per dynamically claimed chunk. Decode (m ≤ 2): small chunks for load balance. Prefill:
 * about 192 KiB of weights per chunk, so a chunk stays in L2 while every token tile streams it.
 */
function rowChunk(N: number, rb: number, m: number, threads: number): number {
  if (m < 3) return Math.max(4, Math.min(64, Math.ceil(N / (threads * 16))));
  const byCache = Math.max(4, Math.floor(196608 / rb));
  return Math.max(1, Math.min(byCache, Math.ceil(N / (threads * 4))));
}
