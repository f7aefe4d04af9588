// y = x · Wᵀ (+ b): the Linear layer. x [N, in], W [out, in] (PyTorch/GGUF layout), b [out].
import { ShapeError } from '../../errors.js';
import type { Graph } from '../graph.js';
import type { Var } from '../var.js';

export function linear(g: Graph, x: Var, w: Var, b: Var | null = null): Var {
  const be = g.backend;
  const inF = w.shape[1]!;
  const outF = w.shape[0]!;
  if (w.shape.length !== 2 || x.cols !== inF) {
    throw new ShapeError(`linear: x [${x.shape.join(', ')}] does not fit W [${w.shape.join(', ')}]`);
  }
  if (b !== null && b.size !== outF) {
    throw new ShapeError(`linear: bias [${b.shape.join(', ')}] does not fit W [${w.shape.join(', ')}]`);
  }
  const n = x.rows;
  const y = g.tensor([...x.shape.slice(0, -1), outF], x.requiresGrad || w.requiresGrad || !!b?.requiresGrad);
  // y[N, out] = x[N, in] · W[out, in]ᵀ
  be.matmul(y.data, x.data, w.data, { m: n, n: outF, k: inF, transB: true });
  if (b !== null) be.addBias(y.data, y.data, b.data, n, outF);
  if (!y.requiresGrad) return y;
  g.record(() => {
    if (!y.gradLive) return;
    const dy = y.grad!;
    if (x.requiresGrad) {
      // dx[N, in] (+)= dy[N, out] · W[out, in]
      const t = g.gradTarget(x);
      be.matmul(t.buf, dy, w.data, { m: n, n: inF, k: outF, accumulate: t.accumulate });
    }
    if (w.requiresGrad) {
      // dW[out, in] (+)= dy[N, out]ᵀ · x[N, in]
      const t = g.gradTarget(w);
      be.matmul(t.buf, dy, x.data, { m: outF, n: inF, k: n, transA: true, accumulate: t.accumulate });
    }
    if (b?.requiresGrad) {
      // db[out] (+)= Σ_rows dy: a [1, N] · [N, out] product with a ones vector.
      const ones = g.scratch(n);
      be.fill(ones, 1, n);
      const t = g.gradTarget(b);
      be.matmul(t.buf, ones, dy, { m: 1, n: outF, k: n, accumulate: t.accumulate });
    }
  });
  return y;
}

/** out = a · bᵀ style general product for attention-free uses: [N, K] · [K, M] → [N, M]. */
export function matmul(g: Graph, a: Var, b: Var): Var {
  const be = g.backend;
  const [m, k] = [a.rows, a.cols];
  if (b.shape.length !== 2 || b.shape[0] !== k) {
    throw new ShapeError(`matmul: a [${a.shape.join(', ')}] does not fit b [${b.shape.join(', ')}]`);
  }
  const n = b.shape[1]!;
  const y = g.tensor([...a.shape.slice(0, -1), n], a.requiresGrad || b.requiresGrad);
  be.matmul(y.data, a.data, b.data, { m, n, k });
  if (!y.requiresGrad) return y;
  g.record(() => {
    if (!y.gradLive) return;
    const dy = y.grad!;
    if (a.requiresGrad) {
      const t = g.gradTarget(a); // da[M, K] = dy[M, N] · b[K, N]ᵀ
      be.matmul(t.buf, dy, b.data, { m, n: k, k: n, transB: true, accumulate: t.accumulate });
    }
    if (b.requiresGrad) {
      const t = g.gradTarget(b); // db[K, N] = a[M, K]ᵀ · dy[M, N]
      be.matmul(t.buf, a.data, dy, { m: k, n, k: m, transA: true, accumulate: t.accumulate });
    }
  });
  return y;
}
