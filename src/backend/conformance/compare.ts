// Tolerance comparison for backend outputs. An element passes when
//   |got − want| ≤ rel · (|want| + rms(want)) + abs
// The rms(want) term is a floor for elements near zero (cancellation): errors of f32 sums scale
// with the magnitude of the whole output, not with one small entry. NaN must match NaN and
// infinities must match exactly.

export interface Tol {
  /** Relative tolerance (see above). */
  rel: number;
  /** Absolute tolerance; default 0. */
  abs?: number;
}

/** Root mean square of the finite entries of `a`. */
export function rms(a: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isFinite(a[i])) {
      s += a[i] * a[i];
      n++;
    }
  }
  return n === 0 ? 0 : Math.sqrt(s / n);
}

/** Null when `got` matches `want` within `tol`, else a message naming the worst element. */
export function compareArrays(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tol): string | null {
  if (got.length !== want.length) return `length ${got.length} vs ${want.length}`;
  const floor = rms(want);
  let worst = -1;
  let worstRatio = 1;
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    if (Number.isNaN(w) || Number.isNaN(g) || !Number.isFinite(w) || !Number.isFinite(g)) {
      if (!Object.is(g, w) && !(Number.isNaN(g) && Number.isNaN(w))) return `[${i}] got ${g}, want ${w}`;
      continue;
    }
    const allowed = tol.rel * (Math.abs(w) + floor) + (tol.abs ?? 0);
    const err = Math.abs(g - w);
    if (err > allowed && (allowed === 0 || err / allowed > worstRatio)) {
      worst = i;
      worstRatio = allowed === 0 ? Number.POSITIVE_INFINITY : err / allowed;
    }
  }
  if (worst < 0) return null;
  const g = got[worst];
  const w = want[worst];
  return `[${worst}] got ${g}, want ${w} (error ${Math.abs(g - w).toExponential(3)} is ${worstRatio.toFixed(1)}× the tolerance rel ${tol.rel}, rms ${floor.toExponential(3)})`;
}
