// The work split and argument packing shared by the attention kernels (kernels/attention.ts
// `attention` over f32 caches, kernels/kv_q8.ts `attention_q8_0` over Q8_0 caches): units are
// (token, block of gb kv heads); decode (few tokens) splits the kv heads so every thread has
// work, prefill keeps whole rows per unit (contiguous cache reads). Each thread gets a scratch
// region of `preBytes(heads)` kernel-specific bytes followed by the scores [heads][ctx] (f32).
import type { AttentionParams } from '../backend.js';
import type { WasmContext } from './context.js';

/** Reusable argument array (kernels read args.length). */
const ARGS: number[] = new Array<number>(15).fill(0);

/** Byte addresses of the checked operands. */
export interface AttentionPtrs {
  out: number;
  q: number;
  k: number;
  v: number;
}

export function dispatchAttention(
  ctx: WasmContext,
  kernel: 'attention' | 'attention_q8_0',
  ptr: AttentionPtrs,
  p: AttentionParams,
  qStride: number,
  outStride: number,
  preBytes: (heads: number) => number,
): void {
  const { tokens, nHead, nKvHead, headDim, pos0 } = p;
  if (tokens === 0) return;
  const threads = ctx.threads;
  const ctxLen = pos0 + tokens;
  const wantBlocks = Math.min(nKvHead, Math.max(1, Math.ceil((2 * threads) / tokens)));
  const gb = Math.ceil(nKvHead / wantBlocks);
  const nBlocks = Math.ceil(nKvHead / gb);
  const heads = gb * (nHead / nKvHead);
  const stride = Math.ceil((preBytes(heads) + heads * ctxLen * 4 + 64) / 64) * 64;
  const a = ARGS;
  a[0] = ptr.out;
  a[1] = ptr.q;
  a[2] = ptr.k;
  a[3] = ptr.v;
  a[4] = nHead;
  a[5] = nKvHead;
  a[6] = headDim;
  a[7] = pos0;
  a[8] = p.scale;
  a[9] = qStride;
  a[10] = outStride;
  a[11] = p.window ?? 0;
  a[12] = gb;
  a[13] = ctx.scratch(3, stride * threads);
  a[14] = stride;
  const units = tokens * nBlocks;
  ctx.parallelTid(kernel, a, units, Math.max(1, Math.floor(units / (threads * 4))));
}
