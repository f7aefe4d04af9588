// The autograd graph: records a backward closure per op on a tape and replays them in reverse.
//
// Memory: activations and gradients of intermediate variables come from a step arena. Every
// training step builds the same graph, so the arena hands out the same buffers in the same order
// and nothing is allocated after the first step. Parameters own their buffers (see `param`).
//
// Gradient accumulation rule: an op's backward either writes a fresh gradient (when the input's
// gradient is not live yet in this pass) or adds into it. `gradTarget` gives the buffer to write
// and a flag telling the op whether it must accumulate.
import type { Backend, Buf } from '../backend/backend.js';
import { ShapeError } from '../errors.js';
import { Var } from './var.js';

const F32 = 4;

class Arena {
  private readonly pool: Buf[] = [];
  private cursor = 0;

  constructor(private readonly backend: Backend) {}

  take(bytes: number): Buf {
    const existing = this.pool[this.cursor];
    if (existing !== undefined && existing.bytes === bytes) {
      this.cursor++;
      return existing;
    }
    if (existing !== undefined) {
      // The graph changed shape (e.g. a shorter final batch): drop the rest and start over here.
      for (let i = this.cursor; i < this.pool.length; i++) this.backend.free(this.pool[i]!);
      this.pool.length = this.cursor;
    }
    const buf = this.backend.alloc(bytes);
    this.pool.push(buf);
    this.cursor++;
    return buf;
  }

  reset(): void {
    this.cursor = 0;
  }

  dispose(): void {
    for (const b of this.pool) this.backend.free(b);
    this.pool.length = 0;
    this.cursor = 0;
  }
}

export class Graph {
  private readonly tape: (() => void)[] = [];
  private readonly arena: Arena;
  private readonly gradArena: Arena;
  private readonly touched: Var[] = [];
  /** When false, ops run forward only and record nothing (inference / evaluation). */
  recording = true;

  constructor(readonly backend: Backend) {
    this.arena = new Arena(backend);
    this.gradArena = new Arena(backend);
  }

  /** Starts a new step: forgets the tape and recycles the arena. Parameters are untouched. */
  reset(): void {
    this.tape.length = 0;
    this.arena.reset();
    this.gradArena.reset();
    for (const v of this.touched) v.gradLive = false;
    this.touched.length = 0;
  }

  /** Runs `fn` without recording (no-grad mode). */
  noGrad<T>(fn: () => T): T {
    const prev = this.recording;
    this.recording = false;
    try {
      return fn();
    } finally {
      this.recording = prev;
    }
  }

  /** A new intermediate variable backed by the arena. */
  tensor(shape: readonly number[], requiresGrad: boolean, name = ''): Var {
    let n = 1;
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new ShapeError(`graph: invalid shape [${shape.join(', ')}]`);
      n *= d;
    }
    return new Var(this.arena.take(Math.max(n, 1) * F32), shape, requiresGrad && this.recording, name);
  }

  /** Scratch of n f32 elements from the arena (for backward temporaries). */
  scratch(n: number): Buf {
    return this.gradArena.take(Math.max(n, 1) * F32);
  }

  record(backward: () => void): void {
    if (this.recording) this.tape.push(backward);
  }

  /**
   * The buffer an op's backward writes `v`'s gradient into. When the gradient is not live yet the
   * op writes directly (accumulate = false); otherwise it must add (accumulate = true).
   */
  gradTarget(v: Var): { buf: Buf; accumulate: boolean } {
    if (v.grad === null) {
      // Parameters own their gradient buffers (see params.ts); intermediates use the arena.
      if (v.param) throw new ShapeError(`graph: parameter ${v.name} has no gradient buffer`);
      v.grad = this.gradArena.take(v.size * F32);
    }
    if (v.gradLive) return { buf: v.grad, accumulate: true };
    v.gradLive = true;
    if (!v.param) this.touched.push(v);
    return { buf: v.grad, accumulate: false };
  }

  /**
   * Makes `src` — the complete gradient of an op's output, which nothing writes after that op's
   * backward — v's gradient too, instead of copying it, when v is an intermediate whose gradient
   * is not live yet. Returns false (nothing done) otherwise. An op may hand one buffer to one
   * input only: later accumulation into v's gradient writes into `src`.
   */
  adoptGrad(v: Var, src: Buf): boolean {
    if (!v.requiresGrad || v.param || v.gradLive || v.grad !== null) return false;
    v.grad = src;
    v.gradLive = true;
    this.touched.push(v);
    return true;
  }

  /**
   * Writes a gradient computed by `compute(dst)` (which overwrites dst) into v's gradient,
   * adding when the gradient is already live. For kernels that can only overwrite.
   */
  accumulateGrad(v: Var, compute: (dst: Buf) => void): void {
    if (!v.requiresGrad) return;
    const t = this.gradTarget(v);
    if (!t.accumulate) {
      compute(t.buf);
      return;
    }
    const tmp = this.scratch(v.size);
    compute(tmp);
    this.backend.add(t.buf, t.buf, tmp, v.size);
  }

  /** Backpropagates from a scalar loss (its gradient is seeded with `seed`, default 1). */
  backward(loss: Var, seed = 1): void {
    if (loss.size !== 1)
      throw new ShapeError(`backward: loss must be a scalar, got [${loss.shape.join(', ')}]`);
    const t = this.gradTarget(loss);
    this.backend.fill(t.buf, seed, 1);
    for (let i = this.tape.length - 1; i >= 0; i--) this.tape[i]!();
    this.tape.length = 0;
  }

  dispose(): void {
    this.arena.dispose();
    this.gradArena.dispose();
  }
}
