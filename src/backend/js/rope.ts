// Rotary position embedding, in place on x = [tokens, heads, headDim].
// Angles follow ggml (ggml_rope_cache_init + rope_yarn with ext_factor 0), in f32 arithmetic:
// theta_scale = powf(base, −2/ropeDim); theta_0 = pos; theta_{i+1} = theta_i · theta_scale;
// angle_i = freqScale · (theta_i / freqFactors[i]). NORM rotates pairs (2i, 2i+1); NeoX rotates
// (i, i + ropeDim/2). Dims at and beyond ropeDim pass through.

import { ShapeError } from '../../errors.js';
import type { RopeParams } from '../backend.js';
import { checkCount, type JsBuf, need } from './buf.js';
import type { Scratch } from './scratch.js';

const OP = 'rope';
const f = Math.fround;

export function rope(x: JsBuf, p: RopeParams, s: Scratch): void {
  const { tokens, heads, headDim, positions, neox } = p;
  checkCount(OP, 'tokens', tokens);
  checkCount(OP, 'heads', heads);
  checkCount(OP, 'headDim', headDim);
  const ropeDim = p.ropeDim ?? headDim;
  checkCount(OP, 'ropeDim', ropeDim);
  if (ropeDim > headDim || ropeDim % 2 !== 0) {
    throw new ShapeError(`${OP}: ropeDim ${ropeDim} must be even and at most headDim ${headDim}`, {
      field: 'ropeDim',
    });
  }
  const rowStride = p.rowStride ?? heads * headDim;
  const off = p.off ?? 0;
  checkCount(OP, 'rowStride', rowStride);
  checkCount(OP, 'off', off);
  if (rowStride < heads * headDim && tokens > 1) {
    throw new ShapeError(`${OP}: rowStride ${rowStride} is smaller than heads·headDim = ${heads * headDim}`, {
      field: 'rowStride',
    });
  }
  if (positions.length < tokens) {
    throw new ShapeError(`${OP}: positions holds ${positions.length} entries but needs ${tokens}`, {
      field: 'positions',
    });
  }
  const half = ropeDim / 2;
  const ff = p.freqFactors;
  if (ff !== undefined && ff.length < half) {
    throw new ShapeError(`${OP}: freqFactors holds ${ff.length} entries but needs ropeDim/2 = ${half}`, {
      field: 'freqFactors',
    });
  }
  if (!(p.theta > 0))
    throw new ShapeError(`${OP}: theta must be positive, got ${p.theta}`, { field: 'theta' });
  if (tokens === 0 || heads === 0 || half === 0) return;
  need(OP, 'x', x, off + (tokens - 1) * rowStride + heads * headDim);

  const freqScale = f(p.freqScale ?? 1);
  const thetaScale = f(f(p.theta) ** f(-2 / ropeDim));
  const sign = p.inverse === true ? -1 : 1;
  const cos = s.f64(0, half);
  const sin = s.f64(1, half);
  const X = x.data;
  for (let t = 0; t < tokens; t++) {
    let theta = f(positions[t]);
    for (let i = 0; i < half; i++) {
      const angle = f(freqScale * (ff === undefined ? theta : f(theta / ff[i])));
      cos[i] = f(Math.cos(angle));
      sin[i] = sign * f(Math.sin(angle));
      theta = f(theta * thetaScale);
    }
    for (let h = 0; h < heads; h++) {
      const base = off + t * rowStride + h * headDim;
      for (let i = 0; i < half; i++) {
        // NeoX pairs (i, i + half); NORM pairs (2i, 2i + 1).
        const i0 = neox ? base + i : base + 2 * i;
        const i1 = neox ? base + i + half : base + 2 * i + 1;
        const x0 = X[i0];
        const x1 = X[i1];
        X[i0] = x0 * cos[i] - x1 * sin[i];
        X[i1] = x0 * sin[i] + x1 * cos[i];
      }
    }
  }
}
