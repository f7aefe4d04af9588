// One run of a conformance case on one backend: seeded inputs, buffers freed at the end.

import type { GgmlType } from '../../tensor/dtype.js';
import type { Backend, Buf, Weight } from '../backend.js';
import type { Tol } from './compare.js';
import { Rng } from './random.js';

export class CaseContext {
  readonly rng: Rng;
  private readonly bufs: Buf[] = [];
  private readonly weights: Weight[] = [];

  constructor(
    readonly be: Backend,
    readonly seed: number,
  ) {
    this.rng = new Rng(seed);
  }

  /** A buffer holding `a`. */
  put(a: Float32Array): Buf {
    const b = this.be.alloc(a.length * 4);
    this.bufs.push(b);
    this.be.write(b, a);
    return b;
  }

  /** A buffer of n uniform values in [lo, hi). */
  uniform(n: number, lo = -1, hi = 1): Buf {
    return this.put(this.rng.uniform(n, lo, hi));
  }

  /** A buffer of n normal values times std. */
  normals(n: number, std = 1): Buf {
    return this.put(this.rng.normals(n, std));
  }

  /** Reads n elements. */
  get(b: Buf, n: number): Float32Array {
    const a = new Float32Array(n);
    this.be.read(b, a);
    return a;
  }

  weight(w: Weight): Weight {
    this.weights.push(w);
    return w;
  }

  dispose(): void {
    for (const b of this.bufs) this.be.free(b);
    for (const w of this.weights) this.be.freeWeight(w);
  }
}

/** The outputs a case produces, by name (compared output by output). */
export type Outputs = Record<string, Float32Array | number>;

/** One conformance case: `run` is executed on the reference and on the backend under test. */
export interface ConformanceCase {
  /** The Backend method exercised (the key of `skip`). */
  readonly op: string;
  /** Shape and options, for messages. */
  readonly name: string;
  readonly tol: Tol;
  /** Builds inputs from ctx.rng (same seed on both backends), runs the op, returns outputs. */
  run(ctx: CaseContext): Outputs;
  /** A weight type the case needs; skipped (with a note) when the backend does not support it. */
  readonly weightType?: GgmlType;
  /** When set, the case checks that the op throws this error class (by name) instead. */
  readonly throws?: string;
}
