// A variable of the autograd graph: a backend buffer with a shape, and (for trainable values)
// a gradient buffer of the same size that backward passes fill.
import type { Buf } from '../backend/backend.js';

export class Var {
  /** Gradient storage (allocated by the graph when the variable needs a gradient). */
  grad: Buf | null = null;
  /** Whether `grad` holds a value for the current backward pass (else it is stale). */
  gradLive = false;

  constructor(
    readonly data: Buf,
    readonly shape: readonly number[],
    readonly requiresGrad: boolean,
    readonly name = '',
    /** A parameter owns its gradient buffer, which survives graph resets (accumulation). */
    readonly param = false,
  ) {}

  get size(): number {
    let n = 1;
    for (const d of this.shape) n *= d;
    return n;
  }

  /** Rows × last dim, for ops that work on rows. */
  get rows(): number {
    return this.size / this.cols;
  }

  get cols(): number {
    return this.shape[this.shape.length - 1] ?? 1;
  }
}
