// Every conformance case, and the op names they cover (the keys of the `skip` option).

import { linalgCases } from './cases-linalg.js';
import { nnCases } from './cases-nn.js';
import { trainCases } from './cases-train.js';
import type { ConformanceCase } from './context.js';

export function allCases(): ConformanceCase[] {
  return [...linalgCases(), ...nnCases(), ...trainCases()];
}

/** The ops (Backend methods, plus `memory` for alloc/view/write/read/fill/copy) the suite covers. */
export function conformanceOps(cases: ConformanceCase[] = allCases()): string[] {
  return [...new Set(cases.map((c) => c.op))];
}

/** A stable 32-bit seed from a case's op and name (FNV-1a). */
export function caseSeed(c: ConformanceCase, base: number): number {
  let h = 0x811c9dc5 ^ base;
  const s = `${c.op} ${c.name}`;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
