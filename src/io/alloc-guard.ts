// Test support: runs a function while recording the largest buffer or array allocation made
// through the global constructors (ArrayBuffer, typed arrays, Array) with a numeric size, so
// fuzz tests can assert that a parser never allocates more than "file size + a constant"
// because of a size declared in the file. Not used by the library itself.

type Ctor = { new (...args: never[]): unknown; BYTES_PER_ELEMENT?: number };

const NAMES = [
  'ArrayBuffer',
  'Uint8Array',
  'Int8Array',
  'Uint16Array',
  'Int16Array',
  'Uint32Array',
  'Int32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
  'Array',
] as const;

/** Runs `fn` and returns its result (or thrown error) plus the largest allocation in bytes. */
export function measureAllocations<T>(fn: () => T): { result?: T; error?: unknown; maxBytes: number } {
  const g = globalThis as unknown as Record<string, Ctor>;
  const saved = new Map<string, Ctor>();
  let maxBytes = 0;
  for (const name of NAMES) {
    const real = g[name]!;
    saved.set(name, real);
    const per = name === 'ArrayBuffer' ? 1 : name === 'Array' ? 8 : (real.BYTES_PER_ELEMENT ?? 1);
    const record = (args: unknown[]) => {
      if (typeof args[0] === 'number' && (name !== 'Array' || args.length === 1)) {
        maxBytes = Math.max(maxBytes, args[0] * per);
      }
    };
    g[name] = new Proxy(real, {
      construct(target, args, newTarget) {
        record(args);
        return Reflect.construct(target, args, newTarget === g[name] ? target : newTarget);
      },
      apply(target, thisArg, args) {
        record(args);
        return Reflect.apply(target as unknown as (...a: unknown[]) => unknown, thisArg, args);
      },
    });
  }
  try {
    return { result: fn(), maxBytes };
  } catch (error) {
    return { error, maxBytes };
  } finally {
    for (const [name, real] of saved) g[name] = real;
  }
}
