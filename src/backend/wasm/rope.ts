// Rotary embedding: the angle table is built here, with ggml's exact f32 angle recurrence, one row
// per distinct position (a training batch repeats positions 0..T−1 for every sequence); the
// rotation runs in the rope_apply kernel (kernels/rope.ts), parallel over tokens.
import type { RopeParams } from '../backend.js';
import type { WasmContext } from './context.js';

/** Position → its row in the table, and the rows' positions, for the current call. */
const rowOf = new Map<number, number>();
const posOf: number[] = [];
const ARGS: number[] = new Array<number>(8).fill(0);
/** Scratch slots: the angle table (f32 cos/sin) and each token's row in it (i32). */
const SLOT_TABLE = 6;
const SLOT_ROWS = 7;

/**
 * In place on x = [tokens, heads, headDim] (f32 at byte xp). Angles as ggml computes them, in
 * f32: theta_scale = powf(base, −2/ropeDim), theta_{i+1} = theta_i · theta_scale,
 * angle_i = freqScale · theta_i / freqFactors[i]. NORM pairs (2i, 2i+1), NeoX (i, i + ropeDim/2).
 */
export function rope(ctx: WasmContext, xp: number, p: RopeParams): void {
  const fr = Math.fround;
  const hd = p.headDim;
  const rd = p.ropeDim ?? hd;
  const half = rd / 2;
  if (p.tokens === 0 || half === 0) return;
  const fs = fr(p.freqScale ?? 1);
  const thetaScale = fr(fr(p.theta) ** fr(-2 / rd));
  const sign = p.inverse === true ? -1 : 1;
  const ff = p.freqFactors;
  // Rows first (the number of distinct positions sizes the table).
  rowOf.clear();
  posOf.length = 0;
  for (let t = 0; t < p.tokens; t++) {
    const pos = p.positions[t]!;
    if (!rowOf.has(pos)) {
      rowOf.set(pos, posOf.length);
      posOf.push(pos);
    }
  }
  const rowsPtr = ctx.scratch(SLOT_ROWS, 4 * p.tokens);
  const tablePtr = ctx.scratch(SLOT_TABLE, 8 * half * posOf.length);
  const rows = ctx.i32(); // views after the scratch calls (they may grow the memory)
  const table = ctx.f32();
  for (let t = 0; t < p.tokens; t++) rows[(rowsPtr >>> 2) + t] = rowOf.get(p.positions[t]!)!;
  for (let row = 0; row < posOf.length; row++) {
    const c = (tablePtr >>> 2) + row * 2 * half;
    let theta = fr(posOf[row]!);
    for (let i = 0; i < half; i++) {
      const ang = fr(fs * (ff === undefined ? theta : fr(theta / ff[i]!)));
      table[c + i] = fr(Math.cos(ang));
      table[c + half + i] = sign * fr(Math.sin(ang));
      theta = fr(theta * thetaScale);
    }
  }
  const a = ARGS;
  a[0] = xp;
  a[1] = tablePtr;
  a[2] = rowsPtr;
  a[3] = p.heads;
  a[4] = hd;
  a[5] = half;
  a[6] = p.rowStride ?? p.heads * hd;
  a[7] = p.neox ? 1 : 0;
  ctx.parallel('rope_apply', a, p.tokens, Math.max(1, Math.floor(8192 / Math.max(1, p.heads * half))));
}
