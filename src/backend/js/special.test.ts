import assert from 'node:assert/strict';
import { test } from 'node:test';
import { erf, erfc, normalCdf, normalPdf } from './special.js';

// Reference values: Abramowitz & Stegun, Table 7.1 (erf, 15 digits) and NIST DLMF 7.2 (erfc).
const TABLE: [number, number][] = [
  [0.1, 0.112462916018285],
  [0.5, 0.520499877813047],
  [1, 0.842700792949715],
  [1.5, 0.966105146475311],
  [2, 0.995322265018953],
];

test('erf matches the A&S table to 15 digits and is odd', () => {
  for (const [z, want] of TABLE) {
    assert.ok(Math.abs(erf(z) - want) < 1e-15, `erf(${z}) = ${erf(z)}, want ${want}`);
    assert.equal(erf(-z), -erf(z));
  }
  assert.equal(erf(0), 0);
  assert.equal(erf(Number.POSITIVE_INFINITY), 1);
  assert.equal(erf(Number.NEGATIVE_INFINITY), -1);
  assert.ok(Number.isNaN(erf(Number.NaN)));
});

test("erf' = (2/√π)·e^{−z²} by central differences across both branches (series < 3 ≤ fraction)", () => {
  const h = 1e-5;
  for (let z = -6; z <= 6; z += 0.173) {
    const fd = (erf(z + h) - erf(z - h)) / (2 * h);
    const exact = (2 / Math.sqrt(Math.PI)) * Math.exp(-z * z);
    assert.ok(Math.abs(fd - exact) <= 1e-9 * Math.max(1, exact), `z=${z}: ${fd} vs ${exact}`);
  }
  // The right tail relative to its own size: d/dz log erfc(z) = −(2/√π)e^{−z²}/erfc(z).
  for (let z = 2.5; z <= 12; z += 0.37) {
    const fd = (Math.log(erfc(z + h)) - Math.log(erfc(z - h))) / (2 * h);
    const exact = (-(2 / Math.sqrt(Math.PI)) * Math.exp(-z * z)) / erfc(z);
    assert.ok(Math.abs(fd - exact) <= 1e-7 * Math.abs(exact), `z=${z}: ${fd} vs ${exact}`);
  }
});

test('erfc is continuous where the method changes and equals 1 − erf', () => {
  for (const z of [3, -3]) {
    const a = erfc(z - 1e-12);
    const b = erfc(z + 1e-12);
    assert.ok(Math.abs(a - b) <= 1e-10 * Math.abs(a), `erfc around ${z}: ${a} vs ${b}`);
  }
  for (let z = -4; z <= 2; z += 0.25) assert.ok(Math.abs(erfc(z) - (1 - erf(z))) < 1e-15);
  // DLMF: erfc(5) = 1.5374597944280349e-12.
  assert.ok(Math.abs(erfc(5) / 1.5374597944280349e-12 - 1) < 1e-13);
});

test('normalCdf and normalPdf: Φ(0) = ½, symmetry, Φ′ = φ', () => {
  assert.equal(normalCdf(0), 0.5);
  for (let x = -8; x <= 8; x += 0.5) {
    assert.ok(Math.abs(normalCdf(x) + normalCdf(-x) - 1) < 1e-15);
    const fd = (normalCdf(x + 1e-5) - normalCdf(x - 1e-5)) / 2e-5;
    assert.ok(Math.abs(fd - normalPdf(x)) < 1e-10);
  }
});
