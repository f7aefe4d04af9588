// The backend conformance suite (node:test): runs every op of a backend under test and of the
// JS reference backend on the same seeded inputs and compares outputs with the tolerances
// written next to each case (cases-*.ts, compare.ts).
//
//   defineConformanceTests('wasm simd, 2 threads', () => createWasmBackend({ threads: 2, build: 'simd' }), {
//     skip: { attentionTrainBackward: 'not implemented yet: falls back to JS in ops/' },
//   });

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Backend } from '../backend.js';
import { JsBackend } from '../js/index.js';
import { allCases, caseSeed, conformanceOps } from './cases.js';
import { compareArrays } from './compare.js';
import { CaseContext, type ConformanceCase, type Outputs } from './context.js';

export interface ConformanceOptions {
  /** Ops not to test, each with the reason why (required, shown in the test report). */
  skip?: Record<string, string>;
  /** Base seed of the random inputs. Default 1. */
  seed?: number;
}

/** The op names accepted as `skip` keys. */
export const CONFORMANCE_OPS: readonly string[] = conformanceOps();

function runOn(be: Backend, c: ConformanceCase, seed: number): Outputs {
  const ctx = new CaseContext(be, seed);
  try {
    return c.run(ctx);
  } finally {
    ctx.dispose();
  }
}

/** Null when the case passes, else a message. */
function check(ref: Backend, dut: Backend, c: ConformanceCase, seed: number): string | null {
  const label = `${c.op} ${c.name}`;
  if (c.throws !== undefined) {
    try {
      runOn(dut, c, seed);
    } catch (e) {
      const name = e instanceof Error ? e.name : String(e);
      return name === c.throws ? null : `${label}: threw ${name} (${String(e)}), expected ${c.throws}`;
    }
    return `${label}: did not throw ${c.throws}`;
  }
  const want = runOn(ref, c, seed);
  let got: Outputs;
  try {
    got = runOn(dut, c, seed);
  } catch (e) {
    return `${label}: threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
  }
  for (const [key, w] of Object.entries(want)) {
    const g = got[key];
    if (g === undefined) return `${label}: output ${key} missing`;
    const msg = compareArrays(typeof g === 'number' ? [g] : g, typeof w === 'number' ? [w] : w, c.tol);
    if (msg !== null) return `${label}: ${key}${msg}`;
  }
  return null;
}

/**
 * Registers one node:test test per op under `describe('backend conformance: <label>')`.
 * `make` is called once (in a `before` hook, may be async); the backend is disposed afterwards.
 */
export function defineConformanceTests(
  label: string,
  make: () => Backend | Promise<Backend>,
  opts: ConformanceOptions = {},
): void {
  const skip = opts.skip ?? {};
  for (const [op, reason] of Object.entries(skip)) {
    if (!CONFORMANCE_OPS.includes(op)) throw new Error(`conformance: unknown op '${op}' in skip`);
    if (reason.trim() === '') throw new Error(`conformance: skipping '${op}' needs a reason`);
  }
  const cases = allCases();
  const seed = opts.seed ?? 1;
  describe(`backend conformance: ${label}`, () => {
    let ref: Backend | undefined;
    let dut: Backend | undefined;
    before(async () => {
      ref = new JsBackend();
      dut = await make();
    });
    after(() => {
      dut?.dispose();
      ref?.dispose();
    });
    for (const op of CONFORMANCE_OPS) {
      const reason = skip[op];
      test(op, reason === undefined ? {} : { skip: reason }, (t) => {
        const r = ref!;
        const d = dut!;
        const failures: string[] = [];
        let unsupported = 0;
        for (const c of cases) {
          if (c.op !== op) continue;
          if (c.weightType !== undefined && !d.supportsWeight(c.weightType)) {
            unsupported++;
            continue;
          }
          const msg = check(r, d, c, caseSeed(c, seed));
          if (msg !== null) failures.push(msg);
        }
        if (unsupported > 0)
          t.diagnostic(`${unsupported} case(s) skipped: weight type not supported by ${d.name}`);
        assert.equal(
          failures.length,
          0,
          `${failures.length} case(s) failed:\n${failures.slice(0, 12).join('\n')}`,
        );
      });
    }
  });
}
