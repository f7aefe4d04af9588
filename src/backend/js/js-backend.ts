// JsBackend: the reference implementation of the Backend interface in plain loops. It is the
// specification every other backend is checked against. Activations are f32 (or f64 with
// `{ float64: true }`, for tight finite-difference gradient checks); weights keep their format.

import { CapacityError, UsageError } from '../../errors.js';
import type { GgmlType } from '../../tensor/dtype.js';
import type {
  AdamWParams,
  AttentionParams,
  AttentionTrainParams,
  Backend,
  Buf,
  MatmulParams,
  RopeParams,
  Weight,
} from '../backend.js';
import { attention } from './attention.js';
import { quantizeRows } from './attention-q8.js';
import { attentionTrain, attentionTrainBackward } from './attention-train.js';
import { type BufRoot, checkCount, JsBuf, need, own } from './buf.js';
import * as ew from './elementwise.js';
import { checkWeight, embedding, embeddingBackward, JsWeight, linear, supportsWeightType } from './linear.js';
import { matmul } from './matmul.js';
import { allocBuf, readBuf, viewBuf, writeBuf } from './memory.js';
import { layernorm, layernormBackward, rmsnorm, rmsnormBackward } from './norm.js';
import { adamw, sumSquares } from './optim.js';
import { rope } from './rope.js';
import { Scratch } from './scratch.js';
import { crossEntropy, crossEntropyBackward, softmax, softmaxBackward } from './softmax.js';
import { weightRowBytes } from './weight-alloc.js';

export interface JsBackendOptions {
  /** Store activations as f64 instead of f32 (gradient checks). Default false. */
  float64?: boolean;
}

export class JsBackend implements Backend {
  readonly name: string;
  readonly threads = 1;
  readonly float64: boolean;
  private readonly s = new Scratch();
  private disposed = false;

  constructor(opts: JsBackendOptions = {}) {
    this.float64 = opts.float64 === true;
    this.name = this.float64 ? 'js-f64' : 'js';
  }

  private b(op: string, buf: Buf): JsBuf {
    if (this.disposed) throw new UsageError(`${op}: the backend was disposed`);
    return own(op, this, buf);
  }

  private bn(op: string, buf: Buf | null): JsBuf | null {
    return buf === null ? null : this.b(op, buf);
  }

  private w(op: string, w: Weight): JsWeight {
    if (!(w instanceof JsWeight)) throw new UsageError(`${op}: the weight does not belong to this backend`);
    this.b(op, w.buf);
    return w;
  }

  // ---- memory -------------------------------------------------------------------------------

  alloc(bytes: number): Buf {
    if (this.disposed) throw new UsageError('alloc: the backend was disposed');
    return allocBuf(this, this.float64, bytes);
  }

  view(buf: Buf, byteOffset: number, bytes: number): Buf {
    return viewBuf(this.b('view', buf), byteOffset, bytes);
  }

  free(buf: Buf): void {
    this.b('free', buf).root.freed = true;
  }

  write(dst: Buf, src: ArrayBufferView, dstByteOffset = 0): void {
    writeBuf(this.b('write', dst), src, dstByteOffset);
  }

  read(src: Buf, dst: ArrayBufferView, srcByteOffset = 0): void {
    readBuf(this.b('read', src), dst, srcByteOffset);
  }

  fill(dst: Buf, value: number, n: number, off = 0): void {
    const d = this.b('fill', dst);
    checkCount('fill', 'n', n);
    checkCount('fill', 'off', off);
    need('fill', 'dst', d, off + n);
    d.data.fill(value, off, off + n);
  }

  copy(dst: Buf, src: Buf, n: number, offDst = 0, offSrc = 0): void {
    const d = this.b('copy', dst);
    const s = this.b('copy', src);
    checkCount('copy', 'n', n);
    checkCount('copy', 'offDst', offDst);
    checkCount('copy', 'offSrc', offSrc);
    need('copy', 'dst', d, offDst + n);
    need('copy', 'src', s, offSrc + n);
    d.data.set(s.data.subarray(offSrc, offSrc + n), offDst);
  }

  uploadWeight(type: GgmlType, rows: number, cols: number, data: Uint8Array): Weight {
    if (this.disposed) throw new UsageError('uploadWeight: the backend was disposed');
    checkWeight(type, rows, cols, data);
    const { weight, bytes } = this.allocWeight(type, rows, cols);
    bytes.set(data);
    return this.commitWeight(weight);
  }

  allocWeight(type: GgmlType, rows: number, cols: number): { weight: Weight; bytes: Uint8Array } {
    if (this.disposed) throw new UsageError('allocWeight: the backend was disposed');
    const rb = weightRowBytes('allocWeight', type, rows, cols);
    const n = rows * rb;
    let ab: ArrayBuffer;
    try {
      ab = new ArrayBuffer(n);
    } catch (e) {
      throw new CapacityError(`allocWeight: cannot allocate ${n} bytes: ${(e as Error).message}`, {
        field: 'rows',
        cause: e,
      });
    }
    const u8 = new Uint8Array(ab);
    const root: BufRoot = { freed: false, owner: this };
    const buf = new JsBuf(n, new Float32Array(ab, 0, Math.floor(n / 4)), u8, root);
    return { weight: new JsWeight(type, rows, cols, buf, rb), bytes: u8 };
  }

  commitWeight(w: Weight): Weight {
    return this.w('commitWeight', w);
  }

  supportsWeight(type: GgmlType): boolean {
    return supportsWeightType(type);
  }

  freeWeight(w: Weight): void {
    this.w('freeWeight', w).buf.root.freed = true;
  }

  // ---- matrix products ----------------------------------------------------------------------

  matmul(out: Buf, a: Buf, b: Buf, p: MatmulParams): void {
    matmul(this.b('matmul', out), this.b('matmul', a), this.b('matmul', b), p, this.s);
  }

  linear(out: Buf, x: Buf, w: Weight, m: number, accumulate = false, offX = 0, offOut = 0): void {
    const op = 'linear';
    linear(this.b(op, out), this.b(op, x), this.w(op, w), m, accumulate, offX, offOut, this.s);
  }

  embedding(out: Buf, table: Weight, ids: Int32Array, count: number): void {
    embedding(this.b('embedding', out), this.w('embedding', table), ids, count, this.s);
  }

  // ---- normalisation ------------------------------------------------------------------------

  rmsnorm(out: Buf, x: Buf, w: Buf | null, rows: number, dim: number, eps: number): void {
    const op = 'rmsnorm';
    rmsnorm(this.b(op, out), this.b(op, x), this.bn(op, w), rows, dim, eps);
  }

  layernorm(out: Buf, x: Buf, w: Buf | null, b: Buf | null, rows: number, dim: number, eps: number): void {
    const op = 'layernorm';
    layernorm(this.b(op, out), this.b(op, x), this.bn(op, w), this.bn(op, b), rows, dim, eps);
  }

  softmax(out: Buf, x: Buf, rows: number, cols: number, scale?: number, causalPos0?: number): void {
    softmax(this.b('softmax', out), this.b('softmax', x), rows, cols, scale, causalPos0);
  }

  // ---- positional / attention ---------------------------------------------------------------

  rope(x: Buf, p: RopeParams): void {
    rope(this.b('rope', x), p, this.s);
  }

  attention(out: Buf, q: Buf, kCache: Buf, vCache: Buf, p: AttentionParams): void {
    const op = 'attention';
    attention(this.b(op, out), this.b(op, q), this.b(op, kCache), this.b(op, vCache), p, this.s);
  }

  quantizeRows(
    dst: Buf,
    src: Buf,
    rows: number,
    cols: number,
    type: GgmlType,
    dstByteOffset = 0,
    offSrc = 0,
  ): void {
    const op = 'quantizeRows';
    quantizeRows(this.b(op, dst), this.b(op, src), rows, cols, type, dstByteOffset, offSrc);
  }

  // ---- element-wise -------------------------------------------------------------------------

  add(out: Buf, a: Buf, b: Buf, n: number): void {
    ew.add(this.b('add', out), this.b('add', a), this.b('add', b), n);
  }

  mul(out: Buf, a: Buf, b: Buf, n: number): void {
    ew.mul(this.b('mul', out), this.b('mul', a), this.b('mul', b), n);
  }

  scale(out: Buf, x: Buf, s: number, n: number): void {
    ew.scale(this.b('scale', out), this.b('scale', x), s, n);
  }

  addBias(out: Buf, x: Buf, bias: Buf, rows: number, cols: number): void {
    ew.addBias(this.b('addBias', out), this.b('addBias', x), this.b('addBias', bias), rows, cols);
  }

  silu(out: Buf, x: Buf, n: number): void {
    ew.silu(this.b('silu', out), this.b('silu', x), n);
  }

  gelu(out: Buf, x: Buf, n: number): void {
    ew.gelu(this.b('gelu', out), this.b('gelu', x), n);
  }

  geluErf(out: Buf, x: Buf, n: number): void {
    ew.geluErf(this.b('geluErf', out), this.b('geluErf', x), n);
  }

  swiglu(out: Buf, gate: Buf, up: Buf, n: number): void {
    ew.swiglu(this.b('swiglu', out), this.b('swiglu', gate), this.b('swiglu', up), n);
  }

  // ---- losses -------------------------------------------------------------------------------

  // The JS reference recomputes each row's statistics in f64 and ignores `stats`.
  crossEntropy(
    losses: Buf,
    logits: Buf,
    targets: Int32Array,
    rows: number,
    vocab: number,
    _stats?: Buf,
  ): void {
    crossEntropy(this.b('crossEntropy', losses), this.b('crossEntropy', logits), targets, rows, vocab);
  }

  // ---- backward kernels ---------------------------------------------------------------------

  crossEntropyBackward(
    dlogits: Buf,
    logits: Buf,
    targets: Int32Array,
    rows: number,
    vocab: number,
    scale: number,
    _stats?: Buf,
  ): void {
    const op = 'crossEntropyBackward';
    crossEntropyBackward(this.b(op, dlogits), this.b(op, logits), targets, rows, vocab, scale);
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
    const op = 'rmsnormBackward';
    const [bdx, bdw, bd, bx, bw] = [
      this.b(op, dx),
      this.bn(op, dw),
      this.b(op, dout),
      this.b(op, x),
      this.bn(op, w),
    ];
    rmsnormBackward(bdx, bdw, bd, bx, bw, rows, dim, eps);
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
    const op = 'layernormBackward';
    const bdx = this.b(op, dx);
    const bdw = this.bn(op, dw);
    const bdb = this.bn(op, db);
    layernormBackward(bdx, bdw, bdb, this.b(op, dout), this.b(op, x), this.bn(op, w), rows, dim, eps);
  }

  softmaxBackward(dx: Buf, dout: Buf, y: Buf, rows: number, cols: number, scale?: number): void {
    const op = 'softmaxBackward';
    softmaxBackward(this.b(op, dx), this.b(op, dout), this.b(op, y), rows, cols, scale);
  }

  siluBackward(dx: Buf, dout: Buf, x: Buf, n: number): void {
    const op = 'siluBackward';
    ew.siluBackward(this.b(op, dx), this.b(op, dout), this.b(op, x), n);
  }

  geluBackward(dx: Buf, dout: Buf, x: Buf, n: number): void {
    const op = 'geluBackward';
    ew.geluBackward(this.b(op, dx), this.b(op, dout), this.b(op, x), n);
  }

  geluErfBackward(dx: Buf, dout: Buf, x: Buf, n: number): void {
    const op = 'geluErfBackward';
    ew.geluErfBackward(this.b(op, dx), this.b(op, dout), this.b(op, x), n);
  }

  swigluBackward(dgate: Buf, dup: Buf, dout: Buf, gate: Buf, up: Buf, n: number): void {
    const op = 'swigluBackward';
    const [a, b, c, d, e] = [
      this.b(op, dgate),
      this.b(op, dup),
      this.b(op, dout),
      this.b(op, gate),
      this.b(op, up),
    ];
    ew.swigluBackward(a, b, c, d, e, n);
  }

  embeddingBackward(dtable: Buf, dout: Buf, ids: Int32Array, count: number, dim: number): void {
    const op = 'embeddingBackward';
    embeddingBackward(this.b(op, dtable), this.b(op, dout), ids, count, dim);
  }

  attentionTrain(out: Buf, probs: Buf, q: Buf, k: Buf, v: Buf, p: AttentionTrainParams): void {
    const op = 'attentionTrain';
    const [o, pr, bq, bk, bv] = [
      this.b(op, out),
      this.b(op, probs),
      this.b(op, q),
      this.b(op, k),
      this.b(op, v),
    ];
    attentionTrain(o, pr, bq, bk, bv, p, this.s);
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
    const bdq = this.b(op, dq);
    const bdk = this.b(op, dk);
    const bdv = this.b(op, dv);
    const bd = this.b(op, dout);
    const bp = this.b(op, probs);
    attentionTrainBackward(bdq, bdk, bdv, bd, bp, this.b(op, q), this.b(op, k), this.b(op, v), p, this.s);
  }

  // ---- optimiser helpers --------------------------------------------------------------------

  sumSquares(x: Buf, n: number): number {
    return sumSquares(this.b('sumSquares', x), n);
  }

  adamw(param: Buf, grad: Buf, m: Buf, v: Buf, p: AdamWParams): void {
    const op = 'adamw';
    adamw(this.b(op, param), this.b(op, grad), this.b(op, m), this.b(op, v), p);
  }

  dispose(): void {
    this.disposed = true;
  }
}
