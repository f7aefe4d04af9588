// Element-wise ops: residual add, SwiGLU, GELU, SiLU, scaling.
import { ShapeError } from '../../errors.js';
import type { Graph } from '../graph.js';
import type { Var } from '../var.js';

function sameSize(op: string, a: Var, b: Var): void {
  if (a.size !== b.size) {
    throw new ShapeError(`${op}: [${a.shape.join(', ')}] and [${b.shape.join(', ')}] differ in size`);
  }
}

/** y = a + b (same shapes). */
export function add(g: Graph, a: Var, b: Var): Var {
  sameSize('add', a, b);
  const be = g.backend;
  const y = g.tensor(a.shape, a.requiresGrad || b.requiresGrad);
  be.add(y.data, a.data, b.data, a.size);
  if (!y.requiresGrad) return y;
  g.record(() => {
    if (!y.gradLive) return;
    // y's gradient is complete here and read by no one after this: one input may take it over.
    const adopted = a !== b && g.adoptGrad(a, y.grad!);
    for (const v of adopted ? [b] : [a, b]) {
      if (!v.requiresGrad) continue;
      const t = g.gradTarget(v);
      if (t.accumulate) be.add(t.buf, t.buf, y.grad!, v.size);
      else be.copy(t.buf, y.grad!, v.size);
    }
  });
  return y;
}

/** y = silu(gate) · up. */
export function swiglu(g: Graph, gate: Var, up: Var): Var {
  sameSize('swiglu', gate, up);
  const be = g.backend;
  const y = g.tensor(gate.shape, gate.requiresGrad || up.requiresGrad);
  be.swiglu(y.data, gate.data, up.data, gate.size);
  if (!y.requiresGrad) return y;
  g.record(() => {
    if (!y.gradLive) return;
    const n = gate.size;
    // Fresh gradients are written in place; live ones get a scratch result added.
    const tg = gate.requiresGrad ? g.gradTarget(gate) : null;
    const tu = up.requiresGrad ? g.gradTarget(up) : null;
    const dgate = tg !== null && !tg.accumulate ? tg.buf : g.scratch(n);
    const dup = tu !== null && !tu.accumulate ? tu.buf : g.scratch(n);
    be.swigluBackward(dgate, dup, y.grad!, gate.data, up.data, n);
    if (tg?.accumulate) be.add(tg.buf, tg.buf, dgate, n);
    if (tu?.accumulate) be.add(tu.buf, tu.buf, dup, n);
  });
  return y;
}

/** y = gelu(x): 'tanh' approximation (GPT-2's gelu_new, the default) or the exact 'erf' form. */
export function gelu(g: Graph, x: Var, form: 'tanh' | 'erf' = 'tanh'): Var {
  const be = g.backend;
  const y = g.tensor(x.shape, x.requiresGrad);
  if (form === 'erf') be.geluErf(y.data, x.data, x.size);
  else be.gelu(y.data, x.data, x.size);
  if (!y.requiresGrad) return y;
  g.record(() => {
    if (!y.gradLive) return;
    g.accumulateGrad(x, (dx) =>
      form === 'erf'
        ? be.geluErfBackward(dx, y.grad!, x.data, x.size)
        : be.geluBackward(dx, y.grad!, x.data, x.size),
    );
  });
  return y;
}

/** y = silu(x). */
export function silu(g: Graph, x: Var): Var {
  const be = g.backend;
  const y = g.tensor(x.shape, x.requiresGrad);
  be.silu(y.data, x.data, x.size);
  if (!y.requiresGrad) return y;
  g.record(() => {
    if (!y.gradLive) return;
    g.accumulateGrad(x, (dx) => be.siluBackward(dx, y.grad!, x.data, x.size));
  });
  return y;
}

/** y = s · x. */
export function scale(g: Graph, x: Var, s: number): Var {
  const be = g.backend;
  const y = g.tensor(x.shape, x.requiresGrad);
  be.scale(y.data, x.data, s, x.size);
  if (!y.requiresGrad) return y;
  g.record(() => {
    if (!y.gradLive) return;
    g.accumulateGrad(x, (dx) => be.scale(dx, y.grad!, s, x.size));
  });
  return y;
}
