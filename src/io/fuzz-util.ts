// Test support for fuzz targets: byte-level mutations of a valid seed file, and a check that a
// parser either succeeds or throws FormatError, fast, with bounded allocations.
import fc from 'fast-check';
import { FormatError } from '../errors.js';
import { measureAllocations } from './alloc-guard.js';

const EXTREMES = [
  0n,
  1n,
  0x7fn,
  0xffn,
  0xffffffffn,
  2n ** 31n,
  2n ** 53n + 1n,
  2n ** 63n - 1n,
  2n ** 64n - 1n,
];

export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'u64'; at: number; value: bigint }
  | { kind: 'u32'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number };

/** Random mutations; `at` is a fraction of the file length to keep them seed-independent. */
export function mutationArb(): fc.Arbitrary<Mutation[]> {
  const at = fc.nat({ max: 1_000_000 });
  const m: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at, bit: fc.nat({ max: 7 }) }),
    fc.record({ kind: fc.constant('set' as const), at, value: fc.nat({ max: 255 }) }),
    fc.record({ kind: fc.constant('u64' as const), at, value: fc.constantFrom(...EXTREMES) }),
    fc.record({
      kind: fc.constant('u32' as const),
      at,
      value: fc.constantFrom(0, 1, 13, 255, 0x7fffffff, 0xffffffff),
    }),
    fc.record({ kind: fc.constant('truncate' as const), at }),
    fc.record({
      kind: fc.constant('insert' as const),
      at,
      bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
    }),
    fc.record({ kind: fc.constant('delete' as const), at, count: fc.integer({ min: 1, max: 16 }) }),
  );
  return fc.array(m, { minLength: 1, maxLength: 4 });
}

export function mutate(seed: Uint8Array, muts: readonly Mutation[], headerBias = 0): Uint8Array {
  let b = seed.slice();
  for (const m of muts) {
    if (b.length === 0) break;
    // Half of the positions land in the first `headerBias` bytes (where the structure is).
    const span = headerBias > 0 && m.at % 2 === 0 ? Math.min(headerBias, b.length) : b.length;
    const i = Math.floor(m.at / 2) % span;
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    switch (m.kind) {
      case 'flip':
        b[i] = b[i]! ^ (1 << m.bit);
        break;
      case 'set':
        b[i] = m.value;
        break;
      case 'u64':
        if (i + 8 <= b.length) dv.setBigUint64(i, m.value, true);
        break;
      case 'u32':
        if (i + 4 <= b.length) dv.setUint32(i, m.value, true);
        break;
      case 'truncate':
        b = b.slice(0, i);
        break;
      case 'insert': {
        const n = new Uint8Array(b.length + m.bytes.length);
        n.set(b.subarray(0, i));
        n.set(m.bytes, i);
        n.set(b.subarray(i), i + m.bytes.length);
        b = n;
        break;
      }
      case 'delete': {
        const count = Math.min(m.count, b.length - i);
        const n = new Uint8Array(b.length - count);
        n.set(b.subarray(0, i));
        n.set(b.subarray(i + count), i);
        b = n;
        break;
      }
    }
  }
  return b;
}

/**
 * Runs `parse` on `bytes`: it must return or throw FormatError, within `maxMs`, allocating at
 * most bytes.length + 1 MiB at once. Throws an assertion-style Error otherwise.
 */
export function checkHostile(
  bytes: Uint8Array,
  parse: (b: Uint8Array) => unknown,
  maxMs = 2000,
): 'ok' | 'rejected' {
  const t0 = performance.now();
  const { error, maxBytes } = measureAllocations(() => parse(bytes));
  const ms = performance.now() - t0;
  if (error !== undefined && !(error instanceof FormatError)) {
    throw new Error(`parser crashed with ${String(error)} on ${bytes.length} bytes`, { cause: error });
  }
  if (maxBytes > bytes.length + (1 << 20))
    throw new Error(`parser allocated ${maxBytes} bytes for ${bytes.length}`);
  if (ms > maxMs) throw new Error(`parser took ${ms.toFixed(0)} ms`);
  return error === undefined ? 'ok' : 'rejected';
}
