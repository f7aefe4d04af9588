// Small helpers shared by the JS backend's tests: move arrays in and out of a backend.

import type { Backend, Buf } from '../backend.js';

/** A new buffer holding `a` (f32 values; in float64 mode a Float64Array is kept exact). */
export function put(be: Backend, a: Float32Array | Float64Array): Buf {
  const buf = be.alloc(a.length * 4);
  be.write(buf, a);
  return buf;
}

/** A zero-filled buffer of n f32 elements. */
export function zeros(be: Backend, n: number): Buf {
  const buf = be.alloc(n * 4);
  be.fill(buf, 0, n);
  return buf;
}

/** Reads n elements as f32. */
export function get(be: Backend, buf: Buf, n: number): Float32Array {
  const a = new Float32Array(n);
  be.read(buf, a);
  return a;
}

/** Reads n elements as f64 (exact for a float64 JsBackend). */
export function get64(be: Backend, buf: Buf, n: number): Float64Array {
  const a = new Float64Array(n);
  be.read(buf, a);
  return a;
}

/** Largest |a_i − b_i|. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Largest |a_i|. */
export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
