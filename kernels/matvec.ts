// Decode-shaped linear: y[m, N] (+)= x[m, K] · Wᵀ for small m, W = [N, K] in f32, f16 or bf16.
// Parallel over weight rows: (r0, r1) is a range of output columns n. Four weight rows per pass
// share each activation load; for m > 1 the 4-row block is reused from cache for every x row.
// f16/bf16 weights pair with activations already rounded to that type (round_f16 / round_bf16).
import { bf16x4ToF32, f16ToF32, f32ToBf16, f32ToF16, hsum, madd } from './simd';

// The weight element type is a compile-time type parameter: f32 = f32, u16 = f16, i16 = bf16.

// F16 weights (u16): 8 halves are loaded as one vector and widened in place: shifting a lane's
// half into the lane's high 16 bits (even elements: shl 16; odd elements already are), then
// shr_s 3 puts exponent and mantissa at bits 27..13 with the sign smeared over bits 31..28; the
// mask keeps the sign at bit 31 and clears the rest; × 2^112 rebases the exponent (subnormal
// halves become normal f32 exactly). Exact for every finite half; inf/NaN would come out finite,
// so F16 weights are checked at upload (f16_nonfinite). The products pair even elements with the
// activations' first 4 lanes and odd elements with the next 4: the activations of each group of
// 8 are stored as x0 x2 x4 x6 x1 x3 x5 x7 (round_f16_perm). The two constants are loaded from
// memory once per call: V8 rebuilds a v128.const at every use inside a loop.
// biome-ignore format: one 16-byte constant per line
const MVK: usize = memory.data<u32>([
  0x8fffe000, 0x8fffe000, 0x8fffe000, 0x8fffe000, // 0: mask (sign, exponent, mantissa)
  0x77800000, 0x77800000, 0x77800000, 0x77800000, // 16: f32 2^112
]);

/** Even (hi = false) or odd halves of the 8 f16 values in v, as f32x4 (see above). */
// biome-ignore lint/complexity/noStaticOnlyClass: a class carries AssemblyScript's @inline decorators
class H {
  @inline static even(v: v128, msk: v128, mul: v128): v128 {
    return f32x4.mul(v128.and(i32x4.shr_s(i32x4.shl(v, 16), 3), msk), mul);
  }

  @inline static odd(v: v128, msk: v128, mul: v128): v128 {
    return f32x4.mul(v128.and(i32x4.shr_s(v, 3), msk), mul);
  }
}

function w8<T>(p: usize, hi: bool, msk: v128, mul: v128): v128 {
  // 4 of the 8 weights at p, as f32x4: f32 and bf16 elements (hi ? 4 : 0) .. +3; f16 the odd
  // (hi) or even elements, paired with activations stored evens-then-odds (round_f16_perm).
  if (sizeof<T>() === 4) return hi ? v128.load(p, 16) : v128.load(p);
  if (isSigned<T>()) {
    return bf16x4ToF32(
      hi ? i32x4.extend_low_i16x8_u(v128.load64_zero(p, 8)) : i32x4.extend_low_i16x8_u(v128.load64_zero(p)),
    );
  }
  const v = v128.load(p);
  return hi ? H.odd(v, msk, mul) : H.even(v, msk, mul);
}

function w1<T>(p: usize, k: usize): f32 {
  if (sizeof<T>() === 4) return load<f32>(p + k * 4);
  const h = <u32>load<u16>(p + k * 2);
  if (isSigned<T>()) return reinterpret<f32>(h << 16);
  return f16ToF32(h);
}

function w1d(p: usize, dtype: i32, k: usize): f32 {
  if (dtype === 0) return w1<f32>(p, k);
  return dtype === 1 ? w1<u16>(p, k) : w1<i16>(p, k);
}

function put(y: usize, v: f32, accumulate: i32): void {
  store<f32>(y, accumulate !== 0 ? load<f32>(y) + v : v);
}

/** dtype: 0 f32, 1 f16, 2 bf16. */
export function matvec(
  W: usize,
  dtype: i32,
  K: i32,
  x: usize,
  m: i32,
  y: usize,
  N: i32,
  accumulate: i32,
  r0: i32,
  r1: i32,
): void {
  if (dtype === 0) mv<f32>(W, K, x, m, y, N, accumulate, r0, r1);
  else if (dtype === 1) mv<u16>(W, K, x, m, y, N, accumulate, r0, r1);
  else mv<i16>(W, K, x, m, y, N, accumulate, r0, r1);
}

function mv<T>(
  W: usize,
  K: i32,
  x: usize,
  m: i32,
  y: usize,
  N: i32,
  accumulate: i32,
  r0: i32,
  r1: i32,
): void {
  const esz = <usize>sizeof<T>();
  const rs = <usize>K * esz;
  const K8 = K & ~7;
  // f16 widening constants (unused by the other element types), loaded once per call.
  const msk = v128.load(MVK);
  const mul = v128.load(MVK, 16);
  let n = r0;
  for (; n + 4 <= r1; n += 4) {
    const w0 = W + <usize>n * rs;
    const w1p = w0 + rs;
    const w2 = w1p + rs;
    const w3 = w2 + rs;
    for (let i = 0; i < m; i++) {
      const xr = x + <usize>i * <usize>K * 4;
      let a0 = f32x4.splat(0);
      let a1 = a0;
      let a2 = a0;
      let a3 = a0;
      let b0 = a0;
      let b1 = a0;
      let b2 = a0;
      let b3 = a0;
      for (let k = 0; k < K8; k += 8) {
        const xp = xr + <usize>k * 4;
        const xa = v128.load(xp);
        const xb = v128.load(xp, 16);
        const o = <usize>k * esz;
        a0 = madd(w8<T>(w0 + o, false, msk, mul), xa, a0);
        b0 = madd(w8<T>(w0 + o, true, msk, mul), xb, b0);
        a1 = madd(w8<T>(w1p + o, false, msk, mul), xa, a1);
        b1 = madd(w8<T>(w1p + o, true, msk, mul), xb, b1);
        a2 = madd(w8<T>(w2 + o, false, msk, mul), xa, a2);
        b2 = madd(w8<T>(w2 + o, true, msk, mul), xb, b2);
        a3 = madd(w8<T>(w3 + o, false, msk, mul), xa, a3);
        b3 = madd(w8<T>(w3 + o, true, msk, mul), xb, b3);
      }
      let s0 = hsum(f32x4.add(a0, b0));
      let s1 = hsum(f32x4.add(a1, b1));
      let s2 = hsum(f32x4.add(a2, b2));
      let s3 = hsum(f32x4.add(a3, b3));
      for (let k = K8; k < K; k++) {
        const xv = load<f32>(xr + <usize>k * 4);
        s0 += w1<T>(w0, k) * xv;
        s1 += w1<T>(w1p, k) * xv;
        s2 += w1<T>(w2, k) * xv;
        s3 += w1<T>(w3, k) * xv;
      }
      const yo = y + (<usize>i * <usize>N + <usize>n) * 4;
      put(yo, s0, accumulate);
      put(yo + 4, s1, accumulate);
      put(yo + 8, s2, accumulate);
      put(yo + 12, s3, accumulate);
    }
  }
  for (; n < r1; n++) {
    const w0 = W + <usize>n * rs;
    for (let i = 0; i < m; i++) {
      const xr = x + <usize>i * <usize>K * 4;
      let a0 = f32x4.splat(0);
      let b0 = a0;
      for (let k = 0; k < K8; k += 8) {
        const xp = xr + <usize>k * 4;
        const o = <usize>k * esz;
        a0 = madd(w8<T>(w0 + o, false, msk, mul), v128.load(xp), a0);
        b0 = madd(w8<T>(w0 + o, true, msk, mul), v128.load(xp, 16), b0);
      }
      let s = hsum(f32x4.add(a0, b0));
      for (let k = K8; k < K; k++) s += w1<T>(w0, k) * load<f32>(xr + <usize>k * 4);
      put(y + (<usize>i * <usize>N + <usize>n) * 4, s, accumulate);
    }
  }
}

/**
 * Rows t in [r0, r1) of x [m][K]: dst = f32(f16(src)) with every whole group of 8 stored as
 * x0 x2 x4 x6 x1 x3 x5 x7 (the order mv<u16> reads); the K % 8 tail stays in place.
 */
export function round_f16_perm(src: usize, dst: usize, K: i32, r0: i32, r1: i32): void {
  const K8 = K & ~7;
  for (let t = r0; t < r1; t++) {
    const s = src + <usize>t * <usize>K * 4;
    const d = dst + <usize>t * <usize>K * 4;
    for (let k = 0; k < K8; k += 8) {
      const o = <usize>k * 4;
      for (let j = 0; j < 8; j++) {
        const pos = (j & 1) === 0 ? j >> 1 : 4 + (j >> 1);
        store<f32>(d + o + <usize>pos * 4, f16ToF32(f32ToF16(load<f32>(s + o + <usize>j * 4))));
      }
    }
    for (let k = K8; k < K; k++) {
      const o = <usize>k * 4;
      store<f32>(d + o, f16ToF32(f32ToF16(load<f32>(s + o))));
    }
  }
}

/** Whether any of the n halves at p is inf or NaN (exponent all ones): 1 if so, else 0. */
export function f16_nonfinite(p: usize, n: i32): i32 {
  const e = i16x8.splat(0x7c00);
  let bad = i16x8.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) bad = v128.or(bad, i16x8.eq(v128.and(v128.load(p + <usize>i * 2), e), e));
  if (v128.any_true(bad)) return 1;
  for (; i < n; i++) if ((<u32>load<u16>(p + <usize>i * 2) & 0x7c00) === 0x7c00) return 1;
  return 0;
}

/** dst[i] = f32(f16(src[i])) for i in [r0, r1): activations paired with f16 weights. */
export function round_f16(src: usize, dst: usize, r0: i32, r1: i32): void {
  for (let i = r0; i < r1; i++) {
    const o = <usize>i * 4;
    store<f32>(dst + o, f16ToF32(f32ToF16(load<f32>(src + o))));
  }
}

/** dst[i] = f32(bf16(src[i])) for i in [r0, r1). */
export function round_bf16(src: usize, dst: usize, r0: i32, r1: i32): void {
  for (let i = r0; i < r1; i++) {
    const o = <usize>i * 4;
    store<f32>(dst + o, reinterpret<f32>(f32ToBf16(load<f32>(src + o)) << 16));
  }
}

/** dst[i] = f32 value of the 16-bit float src[i] (dtype 1 f16, 2 bf16) for i in [r0, r1). */
export function widen_16(src: usize, dtype: i32, dst: usize, r0: i32, r1: i32): void {
  for (let i = r0; i < r1; i++) {
    store<f32>(dst + <usize>i * 4, w1d(src, dtype, <usize>i));
  }
}
