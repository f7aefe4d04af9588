// General matrix product: out[M,N] (+)= alpha · op(A)[M,K] · op(B)[K,N], batched, with
// leading dimensions and offsets. Accumulates each output row in f64.

import { ShapeError } from '../../errors.js';
import type { MatmulParams } from '../backend.js';
import { checkCount, extent2d, type JsBuf, need } from './buf.js';
import type { Scratch } from './scratch.js';

const OP = 'matmul';

/** Checks one operand: `rows` × `cols` stored with row stride `ld`, `batch` items `stride` apart. */
function checkOperand(
  name: string,
  buf: JsBuf,
  rows: number,
  cols: number,
  ld: number,
  ldName: string,
  stride: number,
  off: number,
  batch: number,
): void {
  checkCount(OP, ldName, ld);
  checkCount(OP, `stride of ${name}`, stride);
  checkCount(OP, `offset of ${name}`, off);
  if (ld < cols && rows > 1) {
    throw new ShapeError(`${OP}: ${ldName} = ${ld} is smaller than the row length ${cols} of ${name}`, {
      field: ldName,
    });
  }
  const ext = extent2d(rows, cols, ld);
  if (ext === 0 || batch === 0) return;
  need(OP, name, buf, off + (batch - 1) * stride + ext, `${rows}·${cols} elements, offset ${off}`);
}

export function matmul(out: JsBuf, a: JsBuf, b: JsBuf, p: MatmulParams, s: Scratch): void {
  const { m, n, k } = p;
  checkCount(OP, 'm', m);
  checkCount(OP, 'n', n);
  checkCount(OP, 'k', k);
  const transA = p.transA === true;
  const transB = p.transB === true;
  const batch = p.batch ?? 1;
  checkCount(OP, 'batch', batch);
  const alpha = p.alpha ?? 1;
  // A is [M,K] (or [K,M] when transposed); B is [K,N] (or [N,K]).
  const lda = p.lda ?? (transA ? m : k);
  const ldb = p.ldb ?? (transB ? k : n);
  const ldo = p.ldo ?? n;
  const strideA = p.strideA ?? m * k;
  const strideB = p.strideB ?? k * n;
  const strideOut = p.strideOut ?? m * n;
  const offA = p.offA ?? 0;
  const offB = p.offB ?? 0;
  const offOut = p.offOut ?? 0;
  checkOperand('a', a, transA ? k : m, transA ? m : k, lda, 'lda', strideA, offA, batch);
  checkOperand('b', b, transB ? n : k, transB ? k : n, ldb, 'ldb', strideB, offB, batch);
  checkOperand('out', out, m, n, ldo, 'ldo', strideOut, offOut, batch);

  const A = a.data;
  const B = b.data;
  const O = out.data;
  const arow = s.f64(0, k); // row i of op(A)
  const acc = s.f64(1, n); // row i of op(A)·op(B)
  for (let bi = 0; bi < batch; bi++) {
    const a0 = offA + bi * strideA;
    const b0 = offB + bi * strideB;
    const o0 = offOut + bi * strideOut;
    for (let i = 0; i < m; i++) {
      for (let p2 = 0; p2 < k; p2++) arow[p2] = transA ? A[a0 + p2 * lda + i] : A[a0 + i * lda + p2];
      if (transB) {
        // B stored [N, K]: out[i, j] = dot(arow, B[j, :]).
        for (let j = 0; j < n; j++) {
          const bj = b0 + j * ldb;
          let sum = 0;
          for (let p2 = 0; p2 < k; p2++) sum += arow[p2] * B[bj + p2];
          acc[j] = sum;
        }
      } else {
        // B stored [K, N]: out[i, :] = Σ_p arow[p] · B[p, :].
        acc.fill(0, 0, n);
        for (let p2 = 0; p2 < k; p2++) {
          const av = arow[p2];
          const bp = b0 + p2 * ldb;
          for (let j = 0; j < n; j++) acc[j] += av * B[bp + j];
        }
      }
      const oi = o0 + i * ldo;
      if (p.accumulate === true) for (let j = 0; j < n; j++) O[oi + j] += alpha * acc[j];
      else for (let j = 0; j < n; j++) O[oi + j] = alpha * acc[j];
    }
  }
}
