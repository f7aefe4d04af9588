// Backward of the activations (training), element-wise and parallel over elements like the
// forward kernels in elementwise.ts: the same 4-lane f32 exp (≤ 2 ulp); scalar tails in f64.
import { expv, normCdf64, normCdfv } from './simd';

const INV_SQRT_2PI: f64 = 0.3989422804014327; // 1/√(2π)

const GELU_C: f64 = 0.7978845608028654; // sqrt(2 / pi)
const GELU_K: f64 = 0.044715;

/**
 * The vector constants (f32), loaded once per call into locals: V8 rebuilds a v128.const in every
 * loop iteration (see expv). Byte offsets: the AB_* names.
 */
// biome-ignore format: one table
const AB: usize = memory.data<f32>([
  1, 0.5, 2, <f32>GELU_C, <f32>GELU_K, <f32>(3 * GELU_K), <f32>INV_SQRT_2PI, -0.5,
]);
const AB_ONE: usize = 0;
const AB_HALF: usize = 4;
const AB_TWO: usize = 8;
const AB_GC: usize = 12;
const AB_GK: usize = 16;
const AB_GK3: usize = 20;
const AB_PDF: usize = 24;
const AB_MHALF: usize = 28;

/** σ(x) = 1 / (1 + e^−x) on 4 lanes; one: f32x4.splat(1). */
function sigv(x: v128, one: v128): v128 {
  return f32x4.div(one, f32x4.add(one, expv(f32x4.neg(x))));
}

function sig64(x: f64): f64 {
  return 1 / (1 + Math.exp(-x));
}

/**
 * dx = dout · gelu'(x) for the tanh GELU: with u = √(2/π)(x + 0.044715x³), t = tanh(u) =
 * 1 − 2/(1 + e^{2u}): gelu' = ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²).
 */
export function ew_gelu_backward(dx: usize, dout: usize, x: usize, r0: i32, r1: i32): void {
  const c = v128.load32_splat(AB, AB_GC);
  const k = v128.load32_splat(AB, AB_GK);
  const k3 = v128.load32_splat(AB, AB_GK3);
  const one = v128.load32_splat(AB, AB_ONE);
  const half = v128.load32_splat(AB, AB_HALF);
  const two = v128.load32_splat(AB, AB_TWO);
  let i = r0;
  for (; i + 4 <= r1; i += 4) {
    const o = <usize>i * 4;
    const v = v128.load(x + o);
    const v2 = f32x4.mul(v, v);
    const u = f32x4.mul(c, f32x4.add(v, f32x4.mul(k, f32x4.mul(v2, v))));
    const t = f32x4.sub(one, f32x4.div(two, f32x4.add(one, expv(f32x4.add(u, u)))));
    const du = f32x4.mul(c, f32x4.add(one, f32x4.mul(k3, v2)));
    const d = f32x4.mul(
      half,
      f32x4.add(f32x4.add(one, t), f32x4.mul(f32x4.mul(v, f32x4.sub(one, f32x4.mul(t, t))), du)),
    );
    v128.store(dx + o, f32x4.mul(v128.load(dout + o), d));
  }
  for (; i < r1; i++) {
    const o = <usize>i * 4;
    const v = <f64>load<f32>(x + o);
    const t = Math.tanh(GELU_C * (v + GELU_K * v * v * v));
    const d = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * GELU_C * (1 + 3 * GELU_K * v * v);
    store<f32>(dx + o, <f32>(<f64>load<f32>(dout + o) * d));
  }
}

/** dx = dout · (Φ(x) + x·φ(x)) for the exact GELU, φ(x) = e^{−x²/2}/√(2π). */
export function ew_gelu_erf_backward(dx: usize, dout: usize, x: usize, r0: i32, r1: i32): void {
  const c = v128.load32_splat(AB, AB_PDF);
  const mhalf = v128.load32_splat(AB, AB_MHALF);
  let i = r0;
  for (; i + 4 <= r1; i += 4) {
    const o = <usize>i * 4;
    const v = v128.load(x + o);
    const pdf = f32x4.mul(c, expv(f32x4.mul(mhalf, f32x4.mul(v, v))));
    const d = f32x4.add(normCdfv(v), f32x4.mul(v, pdf));
    v128.store(dx + o, f32x4.mul(v128.load(dout + o), d));
  }
  for (; i < r1; i++) {
    const o = <usize>i * 4;
    const v = <f64>load<f32>(x + o);
    const d = normCdf64(v) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v);
    store<f32>(dx + o, <f32>(<f64>load<f32>(dout + o) * d));
  }
}

/** dx = dout · silu'(x) = dout · σ(x)(1 + x(1 − σ(x))). */
export function ew_silu_backward(dx: usize, dout: usize, x: usize, r0: i32, r1: i32): void {
  const one = v128.load32_splat(AB, AB_ONE);
  let i = r0;
  for (; i + 4 <= r1; i += 4) {
    const o = <usize>i * 4;
    const v = v128.load(x + o);
    const s = sigv(v, one);
    const d = f32x4.mul(s, f32x4.add(one, f32x4.mul(v, f32x4.sub(one, s))));
    v128.store(dx + o, f32x4.mul(v128.load(dout + o), d));
  }
  for (; i < r1; i++) {
    const o = <usize>i * 4;
    const v = <f64>load<f32>(x + o);
    const s = sig64(v);
    store<f32>(dx + o, <f32>(<f64>load<f32>(dout + o) * s * (1 + v * (1 - s))));
  }
}

/** out = silu(gate)·up: dup = dout·silu(gate), dgate = dout·up·silu'(gate). */
export function ew_swiglu_backward(
  dgate: usize,
  dup: usize,
  dout: usize,
  gate: usize,
  up: usize,
  r0: i32,
  r1: i32,
): void {
  const one = v128.load32_splat(AB, AB_ONE);
  let i = r0;
  for (; i + 4 <= r1; i += 4) {
    const o = <usize>i * 4;
    const g = v128.load(gate + o);
    const s = sigv(g, one);
    const d = v128.load(dout + o);
    v128.store(dup + o, f32x4.mul(f32x4.mul(d, g), s));
    const dg = f32x4.mul(s, f32x4.add(one, f32x4.mul(g, f32x4.sub(one, s))));
    v128.store(dgate + o, f32x4.mul(f32x4.mul(d, v128.load(up + o)), dg));
  }
  for (; i < r1; i++) {
    const o = <usize>i * 4;
    const g = <f64>load<f32>(gate + o);
    const s = sig64(g);
    const d = <f64>load<f32>(dout + o);
    store<f32>(dup + o, <f32>(d * g * s));
    store<f32>(dgate + o, <f32>(d * <f64>load<f32>(up + o) * s * (1 + g * (1 - s))));
  }
}
