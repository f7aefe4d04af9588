// Row-wise and element-wise ops of the WASM backend (kernels/norm.ts, kernels/elementwise.ts),
// parallel over rows or element chunks. WasmBackend extends this class.
import type { Buf } from '../backend.js';
import { checkDim, f32At } from './buf.js';
import type { WasmContext } from './context.js';

/** Elements per chunk of element-wise work; smaller jobs run on the calling thread only. */
const EW_CHUNK = 16384;
const ARGS: number[][] = Array.from({ length: 9 }, (_, n) => new Array<number>(n).fill(0));

export class WasmElementwise {
  constructor(protected readonly ctx: WasmContext) {}

  /** Runs an element-wise kernel with `nargs` leading args (a0, a1, a2) over n elements. */
  protected ew(fn: string, nargs: number, a0: number, a1: number, a2: number, n: number): void {
    const a = ARGS[nargs]!;
    a[0] = a0;
    if (nargs > 1) a[1] = a1;
    if (nargs > 2) a[2] = a2;
    this.ctx.parallel(fn, a, n, EW_CHUNK);
  }

  /** Rows per chunk so that a chunk holds about EW_CHUNK elements. */
  private rowChunk(dim: number): number {
    return Math.max(1, Math.floor(EW_CHUNK / Math.max(dim, 1)));
  }

  rmsnorm(out: Buf, x: Buf, w: Buf | null, rows: number, dim: number, eps: number): void {
    checkDim('rmsnorm', 'rows', rows);
    checkDim('rmsnorm', 'dim', dim);
    const a = ARGS[4]!;
    a[0] = f32At(out, 0, rows * dim, 'rmsnorm', 'out');
    a[1] = f32At(x, 0, rows * dim, 'rmsnorm', 'x');
    a[2] = w === null ? 0 : f32At(w, 0, dim, 'rmsnorm', 'w');
    a[3] = dim;
    const b = ARGS[5]!;
    for (let i = 0; i < 4; i++) b[i] = a[i]!;
    b[4] = eps;
    this.ctx.parallel('rmsnorm', b, rows, this.rowChunk(dim));
  }

  layernorm(out: Buf, x: Buf, w: Buf | null, b: Buf | null, rows: number, dim: number, eps: number): void {
    checkDim('layernorm', 'rows', rows);
    checkDim('layernorm', 'dim', dim);
    const a = ARGS[6]!;
    a[0] = f32At(out, 0, rows * dim, 'layernorm', 'out');
    a[1] = f32At(x, 0, rows * dim, 'layernorm', 'x');
    a[2] = w === null ? 0 : f32At(w, 0, dim, 'layernorm', 'w');
    a[3] = b === null ? 0 : f32At(b, 0, dim, 'layernorm', 'b');
    a[4] = dim;
    a[5] = eps;
    this.ctx.parallel('layernorm', a, rows, this.rowChunk(dim));
  }

  softmax(out: Buf, x: Buf, rows: number, cols: number, scale = 1, causalPos0?: number): void {
    checkDim('softmax', 'rows', rows);
    checkDim('softmax', 'cols', cols);
    const a = ARGS[6]!;
    a[0] = f32At(out, 0, rows * cols, 'softmax', 'out');
    a[1] = f32At(x, 0, rows * cols, 'softmax', 'x');
    a[2] = cols;
    a[3] = scale;
    a[4] = causalPos0 === undefined ? 0 : 1;
    a[5] = causalPos0 ?? 0;
    this.ctx.parallel('softmax', a, rows, this.rowChunk(cols));
  }

  add(out: Buf, a: Buf, b: Buf, n: number): void {
    this.binary('ew_add', out, a, b, n);
  }

  mul(out: Buf, a: Buf, b: Buf, n: number): void {
    this.binary('ew_mul', out, a, b, n);
  }

  swiglu(out: Buf, gate: Buf, up: Buf, n: number): void {
    this.binary('ew_swiglu', out, gate, up, n);
  }

  private binary(fn: string, out: Buf, a: Buf, b: Buf, n: number): void {
    checkDim(fn, 'n', n);
    const o = f32At(out, 0, n, fn, 'out');
    this.ew(fn, 3, o, f32At(a, 0, n, fn, 'a'), f32At(b, 0, n, fn, 'b'), n);
  }

  scale(out: Buf, x: Buf, s: number, n: number): void {
    checkDim('scale', 'n', n);
    this.ew('ew_scale', 3, f32At(out, 0, n, 'scale', 'out'), f32At(x, 0, n, 'scale', 'x'), s, n);
  }

  silu(out: Buf, x: Buf, n: number): void {
    checkDim('silu', 'n', n);
    this.ew('ew_silu', 2, f32At(out, 0, n, 'silu', 'out'), f32At(x, 0, n, 'silu', 'x'), 0, n);
  }

  gelu(out: Buf, x: Buf, n: number): void {
    checkDim('gelu', 'n', n);
    this.ew('ew_gelu', 2, f32At(out, 0, n, 'gelu', 'out'), f32At(x, 0, n, 'gelu', 'x'), 0, n);
  }

  geluErf(out: Buf, x: Buf, n: number): void {
    checkDim('geluErf', 'n', n);
    this.ew('ew_gelu_erf', 2, f32At(out, 0, n, 'geluErf', 'out'), f32At(x, 0, n, 'geluErf', 'x'), 0, n);
  }

  addBias(out: Buf, x: Buf, bias: Buf, rows: number, cols: number): void {
    checkDim('addBias', 'rows', rows);
    checkDim('addBias', 'cols', cols);
    const a = ARGS[4]!;
    a[0] = f32At(out, 0, rows * cols, 'addBias', 'out');
    a[1] = f32At(x, 0, rows * cols, 'addBias', 'x');
    a[2] = f32At(bias, 0, cols, 'addBias', 'bias');
    a[3] = cols;
    this.ctx.parallel('add_bias', a, rows, this.rowChunk(cols));
  }
}
