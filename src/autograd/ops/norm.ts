// RMSNorm and LayerNorm over the last dimension, with learned gain (and bias).
import { ShapeError } from '../../errors.js';
import type { Graph } from '../graph.js';
import type { Var } from '../var.js';

function checkGain(op: string, x: Var, p: Var | null): void {
  if (p !== null && p.size !== x.cols) {
    throw new ShapeError(`${op}: parameter [${p.shape.join(', ')}] does not fit x [${x.shape.join(', ')}]`);
  }
}

/** y = x / sqrt(mean(x²) + eps) · w. */
export function rmsnorm(g: Graph, x: Var, w: Var | null, eps: number): Var {
  checkGain('rmsnorm', x, w);
  const be = g.backend;
  const [rows, dim] = [x.rows, x.cols];
  const y = g.tensor(x.shape, x.requiresGrad || !!w?.requiresGrad);
  be.rmsnorm(y.data, x.data, w?.data ?? null, rows, dim, eps);
  if (!y.requiresGrad) return y;
  g.record(() => {
    if (!y.gradLive) return;
    // The kernel overwrites dx and adds into dw.
    let dw = null;
    if (w?.requiresGrad) {
      const t = g.gradTarget(w);
      if (!t.accumulate) be.fill(t.buf, 0, w.size);
      dw = t.buf;
    }
    if (x.requiresGrad) {
      g.accumulateGrad(x, (dx) =>
        be.rmsnormBackward(dx, dw, y.grad!, x.data, w?.data ?? null, rows, dim, eps),
      );
    } else if (dw !== null) {
      const tmp = g.scratch(x.size);
      be.rmsnormBackward(tmp, dw, y.grad!, x.data, w?.data ?? null, rows, dim, eps);
    }
  });
  return y;
}

/** y = (x − mean) / sqrt(var + eps) · w + b. */
export function layernorm(g: Graph, x: Var, w: Var | null, b: Var | null, eps: number): Var {
  checkGain('layernorm', x, w);
  checkGain('layernorm', x, b);
  const be = g.backend;
  const [rows, dim] = [x.rows, x.cols];
  const y = g.tensor(x.shape, x.requiresGrad || !!w?.requiresGrad || !!b?.requiresGrad);
  be.layernorm(y.data, x.data, w?.data ?? null, b?.data ?? null, rows, dim, eps);
  if (!y.requiresGrad) return y;
  g.record(() => {
    if (!y.gradLive) return;
    const paramGrad = (p: Var | null) => {
      if (p === null || !p.requiresGrad) return null;
      const t = g.gradTarget(p);
      if (!t.accumulate) be.fill(t.buf, 0, p.size);
      return t.buf;
    };
    const dw = paramGrad(w);
    const db = paramGrad(b);
    const run = (dx: import('../../backend/backend.js').Buf) =>
      be.layernormBackward(dx, dw, db, y.grad!, x.data, w?.data ?? null, rows, dim, eps);
    if (x.requiresGrad) g.accumulateGrad(x, run);
    else if (dw !== null || db !== null) run(g.scratch(x.size));
  });
  return y;
}
