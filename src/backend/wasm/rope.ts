// Rotary embedding as a plain loop over the f32 view of wasm memory (angles need ggml's exact
// f32 recurrence; the op is small next to the matmuls around it).
import type { RopeParams } from '../backend.js';

let cosBuf = new Float64Array(64);
let sinBuf = new Float64Array(64);

/**
 * In place on x = [tokens, heads, headDim] (element index `x`). Angles as ggml computes them,
 * in f32: theta_scale = powf(base, −2/ropeDim), theta_{i+1} = theta_i · theta_scale,
 * angle_i = freqScale · theta_i / freqFactors[i]. NORM pairs (2i, 2i+1), NeoX (i, i + ropeDim/2).
 */
export function rope(f: Float32Array, x: number, p: RopeParams): void {
  const fr = Math.fround;
  const hd = p.headDim;
  const rd = p.ropeDim ?? hd;
  const half = rd / 2;
  const stride = p.rowStride ?? p.heads * hd;
  const fs = fr(p.freqScale ?? 1);
  const thetaScale = fr(fr(p.theta) ** fr(-2 / rd));
  const sign = p.inverse === true ? -1 : 1;
  const ff = p.freqFactors;
  if (cosBuf.length < half) {
    cosBuf = new Float64Array(half);
    sinBuf = new Float64Array(half);
  }
  const cos = cosBuf;
  const sin = sinBuf;
  for (let t = 0; t < p.tokens; t++) {
    let theta = fr(p.positions[t]!);
    for (let i = 0; i < half; i++) {
      const ang = fr(fs * (ff === undefined ? theta : fr(theta / ff[i]!)));
      cos[i] = fr(Math.cos(ang));
      sin[i] = sign * fr(Math.sin(ang));
      theta = fr(theta * thetaScale);
    }
    for (let h = 0; h < p.heads; h++) {
      const base = x + t * stride + h * hd;
      for (let i = 0; i < half; i++) {
        const i0 = p.neox ? base + i : base + 2 * i;
        const i1 = p.neox ? base + i + half : base + 2 * i + 1;
        const a = f[i0]!;
        const b = f[i1]!;
        f[i0] = a * cos[i]! - b * sin[i]!;
        f[i1] = a * sin[i]! + b * cos[i]!;
      }
    }
  }
}
