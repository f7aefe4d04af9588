// Element-wise kernels. Parallel over element ranges [r0, r1) (add_bias: over rows).
// silu/swiglu/gelu use a 4-lane f32 exp (≤ 2 ulp), gelu_erf also an erfc fit (f32 level); scalar tails run in f64.
import { expv, madd, normCdf64, normCdfv } from './simd';

export function ew_add(out: usize, a: usize, b: usize, r0: i32, r1: i32): void {
  let i = r0;
  for (; i + 4 <= r1; i += 4) {
    const o = <usize>i * 4;
    v128.store(out + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < r1; i++) {
    const o = <usize>i * 4;
    store<f32>(out + o, load<f32>(a + o) + load<f32>(b + o));
  }
}

export function ew_mul(out: usize, a: usize, b: usize, r0: i32, r1: i32): void {
  let i = r0;
  for (; i + 4 <= r1; i += 4) {
    const o = <usize>i * 4;
    v128.store(out + o, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < r1; i++) {
    const o = <usize>i * 4;
    store<f32>(out + o, load<f32>(a + o) * load<f32>(b + o));
  }
}

export function ew_scale(out: usize, x: usize, s: f32, r0: i32, r1: i32): void {
  const vs = f32x4.splat(s);
  let i = r0;
  for (; i + 4 <= r1; i += 4) {
    const o = <usize>i * 4;
    v128.store(out + o, f32x4.mul(v128.load(x + o), vs));
  }
  for (; i < r1; i++) {
    const o = <usize>i * 4;
    store<f32>(out + o, load<f32>(x + o) * s);
  }
}

export function ew_fill(out: usize, v: f32, r0: i32, r1: i32): void {
  const vv = f32x4.splat(v);
  let i = r0;
  for (; i + 4 <= r1; i += 4) v128.store(out + <usize>i * 4, vv);
  for (; i < r1; i++) store<f32>(out + <usize>i * 4, v);
}

/** out[r, c] = x[r, c] + bias[c] for rows [r0, r1). */
export function add_bias(out: usize, x: usize, bias: usize, cols: i32, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const ro = <usize>r * <usize>cols * 4;
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const o = <usize>c * 4;
      v128.store(out + ro + o, f32x4.add(v128.load(x + ro + o), v128.load(bias + o)));
    }
    for (; c < cols; c++) {
      const o = <usize>c * 4;
      store<f32>(out + ro + o, load<f32>(x + ro + o) + load<f32>(bias + o));
    }
  }
}

function silu64(x: f64): f64 {
  return x / (1 + Math.exp(-x));
}

const GELU_C: f64 = 0.7978845608028654; // sqrt(2 / pi)
/** The vector constants of ew_gelu/ew_silu/ew_swiglu (f32: 2·√(2/π), 0.044715, 1), loaded once per call (see expv). */
const EW_K: usize = memory.data<f32>([<f32>(2 * GELU_C), 0.044715, 1]);

/** silu(x) = x / (1 + e^−x) on 4 lanes; one: f32x4.splat(1), loaded once per call (see expv). */
function siluv(x: v128, one: v128): v128 {
  return f32x4.div(x, f32x4.add(one, expv(f32x4.neg(x))));
}

export function ew_silu(out: usize, x: usize, r0: i32, r1: i32): void {
  const one = v128.load32_splat(EW_K, 8);
  let i = r0;
  for (; i + 4 <= r1; i += 4) {
    const o = <usize>i * 4;
    v128.store(out + o, siluv(v128.load(x + o), one));
  }
  for (; i < r1; i++) {
    const o = <usize>i * 4;
    store<f32>(out + o, <f32>silu64(<f64>load<f32>(x + o)));
  }
}

/** out = silu(gate) · up. */
export function ew_swiglu(out: usize, gate: usize, up: usize, r0: i32, r1: i32): void {
  const one = v128.load32_splat(EW_K, 8);
  let i = r0;
  for (; i + 4 <= r1; i += 4) {
    const o = <usize>i * 4;
    v128.store(out + o, f32x4.mul(siluv(v128.load(gate + o), one), v128.load(up + o)));
  }
  for (; i < r1; i++) {
    const o = <usize>i * 4;
    store<f32>(out + o, <f32>(silu64(<f64>load<f32>(gate + o)) * <f64>load<f32>(up + o)));
  }
}

/** 0.5·x·(1 + tanh(u)) = x − x / (1 + e^{2u}), u = √(2/π)(x + 0.044715x³). */
export function ew_gelu(out: usize, x: usize, r0: i32, r1: i32): void {
  let i = r0;
  const c2 = v128.load32_splat(EW_K, 0);
  const k = v128.load32_splat(EW_K, 4);
  const one = v128.load32_splat(EW_K, 8);
  for (; i + 4 <= r1; i += 4) {
    const o = <usize>i * 4;
    const v = v128.load(x + o);
    const u2 = f32x4.mul(c2, madd(f32x4.mul(k, v), f32x4.mul(v, v), v));
    v128.store(out + o, f32x4.sub(v, f32x4.div(v, f32x4.add(one, expv(u2)))));
  }
  for (; i < r1; i++) {
    const o = <usize>i * 4;
    const v = <f64>load<f32>(x + o);
    store<f32>(out + o, <f32>(0.5 * v * (1 + Math.tanh(GELU_C * (v + 0.044715 * v * v * v)))));
  }
}

/** Exact GELU x·Φ(x) (Φ: normCdfv, erfc to f32 rounding level). */
export function ew_gelu_erf(out: usize, x: usize, r0: i32, r1: i32): void {
  let i = r0;
  for (; i + 4 <= r1; i += 4) {
    const o = <usize>i * 4;
    const v = v128.load(x + o);
    v128.store(out + o, f32x4.mul(v, normCdfv(v)));
  }
  for (; i < r1; i++) {
    const o = <usize>i * 4;
    const v = <f64>load<f32>(x + o);
    store<f32>(out + o, <f32>(v * normCdf64(v)));
  }
}

/** Bandwidth probe: out[u] = Σ p[u·65536 .. (u+1)·65536) (f32 lanes, 8 accumulators). */
export function probe_sum(p: usize, out: usize, r0: i32, r1: i32): void {
  for (let u = r0; u < r1; u++) {
    let s = p + ((<usize>u) << 18);
    const e = s + (1 << 18);
    let a0 = f32x4.splat(0);
    let a1 = a0;
    let a2 = a0;
    let a3 = a0;
    let a4 = a0;
    let a5 = a0;
    let a6 = a0;
    let a7 = a0;
    for (; s < e; s += 128) {
      a0 = f32x4.add(a0, v128.load(s));
      a1 = f32x4.add(a1, v128.load(s, 16));
      a2 = f32x4.add(a2, v128.load(s, 32));
      a3 = f32x4.add(a3, v128.load(s, 48));
      a4 = f32x4.add(a4, v128.load(s, 64));
      a5 = f32x4.add(a5, v128.load(s, 80));
      a6 = f32x4.add(a6, v128.load(s, 96));
      a7 = f32x4.add(a7, v128.load(s, 112));
    }
    const t = f32x4.add(
      f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)),
      f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)),
    );
    store<f32>(
      out + <usize>u * 4,
      f32x4.extract_lane(t, 0) +
        f32x4.extract_lane(t, 1) +
        f32x4.extract_lane(t, 2) +
        f32x4.extract_lane(t, 3),
    );
  }
}
