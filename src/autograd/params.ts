// Trainable parameters: named variables that own their data and gradient buffers. Gradients
// accumulate across micro-batches until `zeroGrad()`; the optimiser reads them.
import type { Backend } from '../backend/backend.js';
import { ShapeError } from '../errors.js';
import { Var } from './var.js';

export interface ParamSpec {
  name: string;
  shape: readonly number[];
  /** Apply weight decay (matrices yes; norms, biases and embeddings no; see AdamWConfig.decayRule). */
  decay: boolean;
  /** A frozen parameter takes part in the forward pass but gets no gradient (LoRA's base). */
  frozen?: boolean;
}

export class ParamStore {
  private readonly byName = new Map<string, Var>();
  private readonly specs: ParamSpec[] = [];

  constructor(readonly backend: Backend) {}

  add(spec: ParamSpec, init?: Float32Array): Var {
    if (this.byName.has(spec.name)) throw new ShapeError(`params: duplicate parameter ${spec.name}`);
    let n = 1;
    for (const d of spec.shape) n *= d;
    const trainable = spec.frozen !== true;
    const v = new Var(this.backend.alloc(n * 4), spec.shape, trainable, spec.name, true);
    if (trainable) v.grad = this.backend.alloc(n * 4);
    if (init !== undefined) {
      if (init.length !== n)
        throw new ShapeError(`params: ${spec.name} init has ${init.length} values, want ${n}`);
      this.backend.write(v.data, init);
    } else {
      this.backend.fill(v.data, 0, n);
    }
    this.byName.set(spec.name, v);
    this.specs.push(spec);
    return v;
  }

  get(name: string): Var {
    const v = this.byName.get(name);
    if (v === undefined) throw new ShapeError(`params: no parameter named ${name}`);
    return v;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Parameters in creation order with their specs. */
  *entries(): IterableIterator<[ParamSpec, Var]> {
    for (const spec of this.specs) yield [spec, this.byName.get(spec.name)!];
  }

  get count(): number {
    let n = 0;
    for (const [, v] of this.entries()) n += v.size;
    return n;
  }

  /** Elements of the parameters that receive gradients. */
  get trainableCount(): number {
    let n = 0;
    for (const [, v] of this.entries()) if (v.requiresGrad) n += v.size;
    return n;
  }

  /** Overwrites a parameter's values (e.g. from a base checkpoint). */
  set(name: string, values: Float32Array): void {
    const v = this.get(name);
    if (values.length !== v.size) {
      throw new ShapeError(`params: ${name} has ${v.size} values, got ${values.length}`);
    }
    this.backend.write(v.data, values);
  }

  /** Marks every gradient stale; the next backward overwrites instead of adding. */
  zeroGrad(): void {
    for (const [, v] of this.entries()) v.gradLive = false;
  }

  /** Copies a parameter's values out (f32). */
  read(name: string): Float32Array {
    const v = this.get(name);
    const out = new Float32Array(v.size);
    this.backend.read(v.data, out);
    return out;
  }

  dispose(): void {
    for (const [, v] of this.entries()) {
      this.backend.free(v.data);
      if (v.grad !== null) this.backend.free(v.grad);
    }
    this.byName.clear();
    this.specs.length = 0;
  }
}
