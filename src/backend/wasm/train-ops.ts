// Training ops of the WASM backend: losses, backward kernels, training attention, AdamW and Σx².
// Cross-entropy, attention and the optimiser are WASM kernels (kernels/train.ts,
// kernels/attention_train.ts); the remaining O(n) backward kernels are loops in ops-train.ts.
import { ConfigError, ShapeError, UsageError } from '../../errors.js';
import { adamwScalars } from '../adamw-consts.js';
import type { AdamWParams, AttentionTrainParams, Buf } from '../backend.js';
import { asWasm, checkDim, f32At } from './buf.js';
import { WasmElementwise } from './elementwise.js';
import * as T from './ops-train.js';

/** Reusable argument arrays by length (kernels read args.length). */
const ARGS: number[][] = Array.from({ length: 17 }, (_, n) => new Array<number>(n).fill(0));

export class WasmTrainOps extends WasmElementwise {
  // ---- training -----------------------------------------------------------------------------
  crossEntropy(
    losses: Buf,
    logits: Buf,
    targets: Int32Array,
    rows: number,
    vocab: number,
    stats?: Buf,
  ): void {
    const op = 'crossEntropy';
    this.checkTargets(op, targets, rows, vocab);
    const a = ARGS[6]!;
    a[0] = f32At(losses, 0, rows, op, 'losses');
    a[1] = f32At(logits, 0, rows * vocab, op, 'logits');
    a[2] = this.uploadTargets(targets, rows);
    a[3] = vocab;
    a[4] = this.ctx.scratch(5, 16 * this.ctx.threads);
    // stats: each row's (max, Σ e^(x − max)) as two f64, as the backward kernel would recompute.
    a[5] = stats === undefined ? 0 : f32At(stats, 0, 4 * rows, op, 'stats');
    this.ctx.parallelTid('cross_entropy', a, rows, 1);
  }

  crossEntropyBackward(
    dlogits: Buf,
    logits: Buf,
    targets: Int32Array,
    rows: number,
    vocab: number,
    scale: number,
    stats?: Buf,
  ): void {
    const op = 'crossEntropyBackward';
    this.checkTargets(op, targets, rows, vocab);
    const a = ARGS[7]!;
    a[0] = f32At(dlogits, 0, rows * vocab, op, 'dlogits');
    a[1] = f32At(logits, 0, rows * vocab, op, 'logits');
    a[2] = this.uploadTargets(targets, rows);
    a[3] = vocab;
    a[4] = scale;
    a[5] = this.ctx.scratch(5, 16 * this.ctx.threads);
    a[6] = stats === undefined ? 0 : f32At(stats, 0, 4 * rows, op, 'stats');
    this.ctx.parallelTid('cross_entropy_bwd', a, rows, 1);
  }

  /** Copies targets into wasm scratch; returns the byte address. */
  private uploadTargets(targets: Int32Array, rows: number): number {
    const p = this.ctx.scratch(4, rows * 4);
    this.ctx.i32().set(targets.subarray(0, rows), p >>> 2);
    return p;
  }

  private checkTargets(op: string, targets: Int32Array, rows: number, vocab: number): void {
    if (targets.length < rows) throw new ShapeError(`${op}: ${rows} rows, ${targets.length} targets`);
    for (let r = 0; r < rows; r++) {
      if (targets[r]! >= vocab)
        throw new UsageError(`${op}: target ${targets[r]} ≥ vocab ${vocab}`, { field: 'targets' });
    }
  }

  rmsnormBackward(
    dx: Buf,
    dw: Buf | null,
    dout: Buf,
    x: Buf,
    w: Buf | null,
    rows: number,
    dim: number,
    eps: number,
  ): void {
    const n = rows * dim;
    const op = 'rmsnormBackward';
    checkDim(op, 'rows', rows);
    checkDim(op, 'dim', dim);
    const stats = this.ctx.scratch(7, Math.max(1, rows) * 16);
    const a = ARGS[7]!;
    a[0] = f32At(dx, 0, n, op, 'dx');
    a[1] = f32At(dout, 0, n, op, 'dout');
    a[2] = f32At(x, 0, n, op, 'x');
    a[3] = w === null ? 0 : f32At(w, 0, dim, op, 'w');
    a[4] = stats;
    a[5] = dim;
    a[6] = eps;
    this.ctx.parallel('rmsnorm_backward_dx', a, rows, Math.max(1, Math.floor(16384 / Math.max(dim, 1))));
    if (dw === null) return;
    const c = ARGS[6]!;
    c[0] = f32At(dw, 0, dim, op, 'dw');
    c[1] = f32At(dout, 0, n, op, 'dout');
    c[2] = f32At(x, 0, n, op, 'x');
    c[3] = stats;
    c[4] = rows;
    c[5] = dim;
    this.ctx.parallel('rmsnorm_backward_dw', c, dim, 16);
  }

  layernormBackward(
    dx: Buf,
    dw: Buf | null,
    db: Buf | null,
    dout: Buf,
    x: Buf,
    w: Buf | null,
    rows: number,
    dim: number,
    eps: number,
  ): void {
    const n = rows * dim;
    const op = 'layernormBackward';
    checkDim(op, 'rows', rows);
    checkDim(op, 'dim', dim);
    const stats = this.ctx.scratch(7, Math.max(1, rows) * 16);
    const a = ARGS[7]!;
    a[0] = f32At(dx, 0, n, op, 'dx');
    a[1] = f32At(dout, 0, n, op, 'dout');
    a[2] = f32At(x, 0, n, op, 'x');
    a[3] = w === null ? 0 : f32At(w, 0, dim, op, 'w');
    a[4] = stats;
    a[5] = dim;
    a[6] = eps;
    this.ctx.parallel('layernorm_backward_dx', a, rows, Math.max(1, Math.floor(16384 / Math.max(dim, 1))));
    if (dw === null && db === null) return;
    const c = ARGS[7]!;
    c[0] = dw === null ? 0 : f32At(dw, 0, dim, op, 'dw');
    c[1] = db === null ? 0 : f32At(db, 0, dim, op, 'db');
    c[2] = f32At(dout, 0, n, op, 'dout');
    c[3] = f32At(x, 0, n, op, 'x');
    c[4] = stats;
    c[5] = rows;
    c[6] = dim;
    this.ctx.parallel('layernorm_backward_dwdb', c, dim, 16);
  }

  softmaxBackward(dx: Buf, dout: Buf, y: Buf, rows: number, cols: number, scale = 1): void {
    const n = rows * cols;
    const op = 'softmaxBackward';
    T.softmaxBackward(
      this.ctx.f32(),
      f32At(dx, 0, n, op, 'dx') >>> 2,
      f32At(dout, 0, n, op, 'dout') >>> 2,
      f32At(y, 0, n, op, 'y') >>> 2,
      rows,
      cols,
      scale,
    );
  }

  siluBackward(dx: Buf, dout: Buf, x: Buf, n: number): void {
    this.activationBackward('siluBackward', 'ew_silu_backward', dx, dout, x, n);
  }

  geluBackward(dx: Buf, dout: Buf, x: Buf, n: number): void {
    this.activationBackward('geluBackward', 'ew_gelu_backward', dx, dout, x, n);
  }

  geluErfBackward(dx: Buf, dout: Buf, x: Buf, n: number): void {
    this.activationBackward('geluErfBackward', 'ew_gelu_erf_backward', dx, dout, x, n);
  }

  /** dx = dout · f'(x) by a parallel WASM kernel (kernels/activation_backward.ts). */
  private activationBackward(op: string, fn: string, dx: Buf, dout: Buf, x: Buf, n: number): void {
    checkDim(op, 'n', n);
    this.ew(fn, 3, f32At(dx, 0, n, op, 'dx'), f32At(dout, 0, n, op, 'dout'), f32At(x, 0, n, op, 'x'), n);
  }

  swigluBackward(dgate: Buf, dup: Buf, dout: Buf, gate: Buf, up: Buf, n: number): void {
    const op = 'swigluBackward';
    checkDim(op, 'n', n);
    const a = ARGS[5]!;
    a[0] = f32At(dgate, 0, n, op, 'dgate');
    a[1] = f32At(dup, 0, n, op, 'dup');
    a[2] = f32At(dout, 0, n, op, 'dout');
    a[3] = f32At(gate, 0, n, op, 'gate');
    a[4] = f32At(up, 0, n, op, 'up');
    this.ctx.parallel('ew_swiglu_backward', a, n, 16384);
  }

  embeddingBackward(dtable: Buf, dout: Buf, ids: Int32Array, count: number, dim: number): void {
    const op = 'embeddingBackward';
    const tb = asWasm(dtable, op);
    const rows = Math.floor(tb.bytes / 4 / Math.max(dim, 1));
    if (ids.length < count) throw new ShapeError(`${op}: ${count} ids requested, ${ids.length} given`);
    for (let i = 0; i < count; i++) {
      if (!(ids[i]! >= 0 && ids[i]! < rows))
        throw new UsageError(`${op}: id ${ids[i]} outside [0, ${rows})`, { field: 'ids' });
    }
    T.embeddingBackward(
      this.ctx.f32(),
      tb.ptr >>> 2,
      f32At(dout, 0, count * dim, op, 'dout') >>> 2,
      ids,
      count,
      dim,
    );
  }

  attentionTrain(out: Buf, probs: Buf, q: Buf, k: Buf, v: Buf, p: AttentionTrainParams): void {
    const op = 'attentionTrain';
    const { qn, kn, pn } = this.trainSizes(op, p);
    const a = ARGS[10]!;
    a[0] = f32At(out, 0, qn, op, 'out');
    a[1] = f32At(probs, 0, pn, op, 'probs');
    a[2] = f32At(q, 0, qn, op, 'q');
    a[3] = f32At(k, 0, kn, op, 'k');
    a[4] = f32At(v, 0, kn, op, 'v');
    a[5] = p.t;
    a[6] = p.nHead;
    a[7] = p.nKvHead;
    a[8] = p.headDim;
    a[9] = p.scale;
    const units = p.batch * p.nHead * p.t;
    this.ctx.parallel(
      'attention_train_fwd',
      a,
      units,
      Math.max(1, Math.floor(units / (this.ctx.threads * 8))),
    );
  }

  attentionTrainBackward(
    dq: Buf,
    dk: Buf,
    dv: Buf,
    dout: Buf,
    probs: Buf,
    q: Buf,
    k: Buf,
    v: Buf,
    p: AttentionTrainParams,
  ): void {
    const op = 'attentionTrainBackward';
    const { qn, kn, pn } = this.trainSizes(op, p);
    const stride = this.ctx.exports.attention_train_bwd_scratch_bytes!(p.t); // per thread
    const a = ARGS[15]!;
    a[0] = f32At(dq, 0, qn, op, 'dq');
    a[1] = f32At(dk, 0, kn, op, 'dk');
    a[2] = f32At(dv, 0, kn, op, 'dv');
    a[3] = f32At(dout, 0, qn, op, 'dout');
    a[4] = f32At(probs, 0, pn, op, 'probs');
    a[5] = f32At(q, 0, qn, op, 'q');
    a[6] = f32At(k, 0, kn, op, 'k');
    a[7] = f32At(v, 0, kn, op, 'v');
    a[8] = p.t;
    a[9] = p.nHead;
    a[10] = p.nKvHead;
    a[11] = p.headDim;
    a[12] = p.scale;
    a[13] = this.ctx.scratch(3, stride * this.ctx.threads);
    a[14] = stride;
    this.ctx.parallelTid('attention_train_bwd', a, p.batch * p.nKvHead, 1);
  }

  private trainSizes(op: string, p: AttentionTrainParams): { qn: number; kn: number; pn: number } {
    if (p.nKvHead <= 0 || p.nHead % p.nKvHead !== 0) {
      throw new ShapeError(`${op}: nHead ${p.nHead} is not a multiple of nKvHead ${p.nKvHead}`);
    }
    const bt = p.batch * p.t;
    return {
      qn: bt * p.nHead * p.headDim,
      kn: bt * p.nKvHead * p.headDim,
      pn: p.batch * p.nHead * p.t * p.t,
    };
  }

  sumSquares(x: Buf, n: number): number {
    checkDim('sumSquares', 'n', n);
    const units = Math.ceil(n / 65536);
    if (units === 0) return 0;
    const out = this.ctx.scratch(6, units * 8);
    const a = ARGS[3]!;
    a[0] = f32At(x, 0, n, 'sumSquares', 'x');
    a[1] = n;
    a[2] = out;
    this.ctx.parallel('sum_squares', a, units, 4);
    const part = new Float64Array(this.ctx.memory.buffer, out, units);
    let s = 0;
    for (let i = 0; i < units; i++) s += part[i]!;
    return s;
  }

  adamw(param: Buf, grad: Buf, m: Buf, v: Buf, p: AdamWParams): void {
    const op = 'adamw';
    const n = p.n;
    checkDim(op, 'n', n);
    if (!(Number.isInteger(p.step) && p.step >= 1)) {
      throw new ConfigError(`${op}: step must be a positive integer, got ${p.step}`, { field: 'step' });
    }
    const gs = p.gradScale ?? 1;
    for (const [name, val] of [
      ['lr', p.lr],
      ['beta1', p.beta1],
      ['beta2', p.beta2],
      ['eps', p.eps],
      ['weightDecay', p.weightDecay],
      ['gradScale', gs],
    ] as const) {
      if (!Number.isFinite(val))
        throw new ConfigError(`${op}: ${name} must be finite, got ${val}`, { field: name });
    }
    const c = adamwScalars(p);
    const a = ARGS[12]!;
    a[0] = f32At(param, 0, n, op, 'param');
    a[1] = f32At(grad, 0, n, op, 'grad');
    a[2] = f32At(m, 0, n, op, 'm');
    a[3] = f32At(v, 0, n, op, 'v');
    a[4] = c.gs;
    a[5] = c.decay;
    a[6] = c.w1;
    a[7] = c.beta2;
    a[8] = c.c2;
    a[9] = c.bc2Sqrt;
    a[10] = c.negStep;
    a[11] = c.eps;
    this.ctx.parallel('adamw', a, n, 16384);
  }
}
