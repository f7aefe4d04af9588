// Special functions in float64 for the reference backend: erf and erfc to about 1e-15 relative,
// and the standard normal CDF Φ built on erfc (no cancellation in either tail).

const TWO_OVER_SQRT_PI = 1.1283791670955126; // 2/√π
const ONE_OVER_SQRT_PI = 0.5641895835477563; // 1/√π

/**
 * erf(z) for |z| < 3 from the everywhere-positive series
 * erf(z) = (2/√π)·e^{−z²}·Σ_n 2^n z^{2n+1} / (1·3·…·(2n+1)): no cancellation, ≤ 80 terms.
 */
function erfSeries(z: number): number {
  const z2 = z * z;
  let term = z;
  let sum = z;
  for (let n = 1; n < 200; n++) {
    term *= (2 * z2) / (2 * n + 1);
    sum += term;
    if (Math.abs(term) <= 1e-17 * Math.abs(sum)) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-z2) * sum;
}

/**
 * erfc(z) for z ≥ 3 from the continued fraction
 * erfc(z) = (e^{−z²}/√π) / (z + (1/2)/(z + 1/(z + (3/2)/(z + …)))), evaluated bottom-up; at z ≥ 3
 * 60 terms are far past convergence.
 */
function erfcFraction(z: number): number {
  let f = z;
  for (let k = 60; k >= 1; k--) f = z + k / 2 / f;
  return (ONE_OVER_SQRT_PI * Math.exp(-z * z)) / f;
}

/** The error function. */
export function erf(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  if (Math.abs(z) < 3) return erfSeries(z);
  const c = erfcFraction(Math.abs(z));
  return z > 0 ? 1 - c : c - 1;
}

/** The complementary error function 1 − erf(z), accurate in the right tail too. */
export function erfc(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  if (z >= 3) return erfcFraction(z);
  if (z <= -3) return 2 - erfcFraction(-z);
  return 1 - erfSeries(z);
}

/** Φ(x) = ½·erfc(−x/√2), the standard normal CDF. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x * Math.SQRT1_2);
}

/** φ(x) = e^{−x²/2}/√(2π), the standard normal density. */
export function normalPdf(x: number): number {
  return 0.3989422804014327 * Math.exp(-0.5 * x * x);
}
