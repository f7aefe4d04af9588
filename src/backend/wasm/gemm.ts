// Driver of the packed GEMM kernels (kernels/gemm.ts): packs op(B) once per (batch group,
// column slab) in parallel, then computes row × column blocks in parallel.
import type { WasmContext } from './context.js';

/** Packed-B scratch budget per pass; bigger problems are split in column slabs / batch groups. */
const PACK_LIMIT = 64 * 1024 * 1024;
const NR = 8;
/** Fewest NR-column panels in one column block of gemm_compute's work units. */
const MIN_PANELS = 32;

export const BType = {
  F32: 0,
  F16: 1,
  BF16: 2,
} as const;
export type BType = (typeof BType)[keyof typeof BType];

export interface GemmArgs {
  a: number;
  lda: number;
  transA: boolean;
  strideA: number;
  b: number;
  bType: BType;
  ldb: number;
  transB: boolean;
  strideB: number;
  c: number;
  ldc: number;
  strideC: number;
  m: number;
  n: number;
  k: number;
  alpha: number;
  accumulate: boolean;
  batch: number;
}

const packArgs: number[] = [0, 0, 0, 0, 0, 0, 0, 0];
const computeArgs: number[] = new Array<number>(15).fill(0);

/** Byte address arithmetic only; all pointers are byte addresses, dims/strides in elements. */
export function gemm(ctx: WasmContext, g: GemmArgs): void {
  const { m, n, k, batch } = g;
  if (m === 0 || n === 0 || batch === 0) return;
  const bsz = g.bType === BType.F32 ? 4 : 2;
  let slab = Math.ceil(n / NR) * NR;
  if (k * slab * 4 > PACK_LIMIT) slab = Math.max(NR, Math.floor(PACK_LIMIT / (Math.max(k, 1) * 4) / NR) * NR);
  const itemBytes = Math.max(k, 1) * slab * 4;
  const group = Math.max(1, Math.min(batch, Math.floor(PACK_LIMIT / itemBytes)));
  const threads = ctx.threads;
  const scratchA = ctx.scratch(1, threads * ctx.exports.gemm_scratch_bytes!());
  for (let b0 = 0; b0 < batch; b0 += group) {
    const gc = Math.min(group, batch - b0);
    for (let n0 = 0; n0 < n; n0 += slab) {
      const nb = Math.min(slab, n - n0);
      const np = Math.ceil(nb / NR);
      const packed = ctx.scratch(0, gc * Math.max(k, 1) * np * NR * 4);
      const bPtr = g.b + (b0 * g.strideB + (g.transB ? n0 * g.ldb : n0)) * bsz;
      const aPtr = g.a + b0 * g.strideA * 4;
      const cPtr = g.c + (b0 * g.strideC + n0) * 4;
      const pa = packArgs;
      pa[0] = bPtr;
      pa[1] = g.bType;
      pa[2] = g.ldb;
      pa[3] = g.transB ? 1 : 0;
      pa[4] = g.strideB;
      pa[5] = k;
      pa[6] = nb;
      pa[7] = packed;
      const packUnits = gc * np;
      ctx.parallel('gemm_pack_b', pa, packUnits, Math.max(1, Math.ceil(packUnits / (threads * 8))));
      const rowBlocks = Math.ceil(m / ctx.exports.gemm_mc!());
      // Column blocks spread the work over threads (about 8 units per thread), but each one packs
      // its A rows again, so a block keeps at least MIN_PANELS panels: with long K and few
      // columns (a vocabulary-sized K in the LM head's backward) the repacking otherwise costs
      // 10-15% (768×128×50257: 74 → 85 GFLOP/s at 2 threads).
      const colSplits =
        threads > 1
          ? Math.max(1, Math.min(Math.floor(np / MIN_PANELS), Math.ceil((8 * threads) / (gc * rowBlocks))))
          : 1;
      const ppb = Math.ceil(np / colSplits);
      const ca = computeArgs;
      ca[0] = aPtr;
      ca[1] = g.lda;
      ca[2] = g.transA ? 1 : 0;
      ca[3] = g.strideA;
      ca[4] = packed;
      ca[5] = cPtr;
      ca[6] = g.ldc;
      ca[7] = g.strideC;
      ca[8] = m;
      ca[9] = nb;
      ca[10] = k;
      ca[11] = g.alpha;
      ca[12] = g.accumulate ? 1 : 0;
      ca[13] = ppb;
      ca[14] = scratchA;
      ctx.parallelTid('gemm_compute', ca, gc * rowBlocks * Math.ceil(np / ppb), 1);
    }
  }
}
