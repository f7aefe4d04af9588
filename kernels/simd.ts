// Shared SIMD helpers for the kernels (inlined; no exports). One source, two builds: with
// ASC_FEATURE_RELAXED_SIMD the multiply-add is one fused relaxed instruction.

/** c + a·b per lane (fused in the relaxed build, mul then add in the portable one). */
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** Horizontal sum of 4 f32 lanes. */
export function hsum(a: v128): f32 {
  return (
    f32x4.extract_lane(a, 0) +
    f32x4.extract_lane(a, 1) +
    (f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3))
  );
}

/** 4 IEEE half-precision values (u16 lanes zero-extended to i32x4) to f32x4. */
export function f16x4ToF32(h: v128): v128 {
  const sign = i32x4.shl(v128.and(h, i32x4.splat(0x8000)), 16);
  const em = v128.and(h, i32x4.splat(0x7fff));
  // Scale exponent/mantissa into f32 position and multiply by 2^112: exact for normals and subnormals.
  let v = f32x4.mul(i32x4.shl(em, 13), f32x4.splat(reinterpret<f32>(0x77800000)));
  // Inf/NaN: exponent field all ones.
  const isSpecial = i32x4.ge_s(em, i32x4.splat(0x7c00));
  v = v128.bitselect(v128.or(i32x4.shl(em, 13), i32x4.splat(0x7f800000)), v, isSpecial);
  return v128.or(v, sign);
}

/** 4 bfloat16 values (u16 lanes zero-extended to i32x4) to f32x4. */
export function bf16x4ToF32(h: v128): v128 {
  return i32x4.shl(h, 16);
}

/** Scalar IEEE half (bits) to f32. */
export function f16ToF32(h: u32): f32 {
  const sign = (h & 0x8000) << 16;
  const em = h & 0x7fff;
  if (em >= 0x7c00) return reinterpret<f32>(sign | 0x7f800000 | ((em & 0x3ff) << 13));
  return reinterpret<f32>(reinterpret<u32>(reinterpret<f32>(em << 13) * reinterpret<f32>(0x77800000)) | sign);
}

/** f32 to IEEE half bits, round to nearest even (as ggml's GGML_FP32_TO_FP16 on x86 / F16C). */
export function f32ToF16(x: f32): u32 {
  const b = reinterpret<u32>(x);
  const sign = (b >> 16) & 0x8000;
  const a = b & 0x7fffffff;
  if (a >= 0x7f800000) return sign | 0x7c00 | (a > 0x7f800000 ? 0x200 : 0); // inf / nan
  if (a >= 0x477ff000) return sign | 0x7c00; // rounds to >= 65520: overflow to inf
  if (a < 0x38800000) {
    // Subnormal half (or zero): add 0.5 (magic) so the FPU rounds to the 2^-24 grid.
    const f = reinterpret<f32>(a) + reinterpret<f32>(0x3f000000);
    return sign | (reinterpret<u32>(f) - 0x3f000000);
  }
  const mantOdd = (a >> 13) & 1;
  const r = a + 0xc8000fff + mantOdd; // rebias exponent (-112 << 23) and round to nearest even
  return sign | (r >> 13);
}

/** f32 to bfloat16 bits, round to nearest even (NaN kept quiet), as ggml's GGML_FP32_TO_BF16. */
export function f32ToBf16(x: f32): u32 {
  const u = reinterpret<u32>(x);
  if ((u & 0x7fffffff) > 0x7f800000) return (u >> 16) | 64;
  return (u + (0x7fff + ((u >> 16) & 1))) >> 16;
}

/** expv's constants (f32 bits; the last one is the integer exponent bias of 2^n). */
const EXPV_K: usize = memory.data<u32>([
  0x42b00000,
  0xc2aeac4f,
  0x4b400000,
  0x3fb8aa3b,
  0x3f318000,
  0xb95e8083,
  0x39506967,
  0x3ab743ce,
  0x3c088908,
  0x3d2aa9c1,
  0x3e2aaaaa,
  0x3f000000,
  0x3f800000,
  0x4b400000 - 127,
]);

/**
 * e^x per lane in f32 (Cephes expf polynomial after reduction by ln 2; ≤ 2 ulp on the normal
 * range). Inputs are clamped to [−87.33, 88]: tiny results stay normal, no overflow to inf; a NaN
 * stays NaN. The clamp uses pmin/pmax (one x86 instruction each; WASM's min/max need ~7 for their
 * NaN and −0 rules, which do not matter here) and n = round-half-even(x·log2 e) comes from adding
 * 1.5·2^23, whose bits then hold n as an integer: the same values as f32x4.nearest followed by
 * i32x4.trunc_sat_f32x4_s (about 8 instructions on x86), bit for bit. The constants are read
 * from a static table: in a loop V8 rebuilds each v128.const every iteration (3 instructions),
 * while a table constant is one broadcast load (measured ~1.7× the exp throughput).
 */
export function expv(x: v128): v128 {
  x = f32x4.pmax(f32x4.pmin(x, v128.load32_splat(EXPV_K)), v128.load32_splat(EXPV_K, 4));
  const magic = v128.load32_splat(EXPV_K, 8);
  const t = f32x4.add(f32x4.mul(x, v128.load32_splat(EXPV_K, 12)), magic);
  const n = f32x4.sub(t, magic);
  let r = f32x4.sub(x, f32x4.mul(n, v128.load32_splat(EXPV_K, 16)));
  r = f32x4.sub(r, f32x4.mul(n, v128.load32_splat(EXPV_K, 20)));
  let p = v128.load32_splat(EXPV_K, 24);
  p = madd(p, r, v128.load32_splat(EXPV_K, 28));
  p = madd(p, r, v128.load32_splat(EXPV_K, 32));
  p = madd(p, r, v128.load32_splat(EXPV_K, 36));
  p = madd(p, r, v128.load32_splat(EXPV_K, 40));
  p = madd(p, r, v128.load32_splat(EXPV_K, 44));
  const y = f32x4.add(madd(p, f32x4.mul(r, r), r), v128.load32_splat(EXPV_K, 48));
  const e = i32x4.shl(i32x4.sub(t, v128.load32_splat(EXPV_K, 52)), 23);
  return f32x4.mul(y, e);
}

/**
 * ½·erfc(z) for z ≥ 0 on 4 lanes (Numerical Recipes' erfcc, Chebyshev fit: relative error below
 * 1.2e-7 for every z ≥ 0, i.e. at f32 rounding level): t = 1/(1 + z/2),
 * erfc(z) = t·exp(−z² − 1.26551223 + t·P(t)).
 */
/** halfErfcv's constants (f32): 1, 0.5, then the polynomial from the highest degree down. */
const ERFC_K: usize = memory.data<f32>([
  1, 0.5, 0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196,
  1.00002368, -1.26551223,
]);

function halfErfcv(z: v128): v128 {
  // Constants from ERFC_K (one broadcast load each; see expv).
  const half = v128.load32_splat(ERFC_K, 4);
  const t = f32x4.div(v128.load32_splat(ERFC_K), madd(half, z, v128.load32_splat(ERFC_K)));
  let p = v128.load32_splat(ERFC_K, 8);
  p = madd(p, t, v128.load32_splat(ERFC_K, 12));
  p = madd(p, t, v128.load32_splat(ERFC_K, 16));
  p = madd(p, t, v128.load32_splat(ERFC_K, 20));
  p = madd(p, t, v128.load32_splat(ERFC_K, 24));
  p = madd(p, t, v128.load32_splat(ERFC_K, 28));
  p = madd(p, t, v128.load32_splat(ERFC_K, 32));
  p = madd(p, t, v128.load32_splat(ERFC_K, 36));
  p = madd(p, t, v128.load32_splat(ERFC_K, 40));
  p = madd(p, t, v128.load32_splat(ERFC_K, 44));
  const e = expv(f32x4.sub(p, f32x4.mul(z, z)));
  return f32x4.mul(f32x4.mul(half, t), e);
}

/** Φ(x), the standard normal CDF, on 4 lanes: ½erfc(|x|/√2) for x < 0, 1 − that otherwise. */
export function normCdfv(x: v128): v128 {
  const h = halfErfcv(f32x4.mul(f32x4.abs(x), f32x4.splat(<f32>Math.SQRT1_2)));
  return v128.bitselect(h, f32x4.sub(f32x4.splat(1), h), f32x4.lt(x, f32x4.splat(0)));
}

/** Φ(x) in f64 by the same approximation (the scalar tails of the vector loops). */
export function normCdf64(x: f64): f64 {
  const z = Math.abs(x) * Math.SQRT1_2;
  const t = 1 / (1 + 0.5 * z);
  const p =
    -1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t *
                      (0.27886807 +
                        t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const h = 0.5 * t * Math.exp(p - z * z);
  return x < 0 ? h : 1 - h;
}

/** Lanes 0, 1 of an f32x4 as f64x2. */
export function lo64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

/** Lanes 2, 3 of an f32x4 as f64x2. */
export function hi64(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3));
}

/** Two f64x2 rounded to one f32x4 [lo0, lo1, hi0, hi1]. */
export function f32of64(lo: v128, hi: v128): v128 {
  return i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/** Sum of the two f64 lanes. */
export function hsum64(a: v128): f64 {
  return f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1);
}

/** Σ x[0..dim) in f64 (f64x2 lanes, 4 floats per step). */
export function rowSum64(xr: usize, dim: i32): f64 {
  let s0 = f64x2.splat(0);
  let s1 = s0;
  let j = 0;
  for (; j + 4 <= dim; j += 4) {
    const v = v128.load(xr + <usize>j * 4);
    s0 = f64x2.add(s0, lo64(v));
    s1 = f64x2.add(s1, hi64(v));
  }
  let s = hsum64(f64x2.add(s0, s1));
  for (; j < dim; j++) s += <f64>load<f32>(xr + <usize>j * 4);
  return s;
}

/** Σ (x − mean)² over x[0..dim) in f64. */
export function rowVar64(xr: usize, dim: i32, mean: f64): f64 {
  const mv = f64x2.splat(mean);
  let s0 = f64x2.splat(0);
  let s1 = s0;
  let j = 0;
  for (; j + 4 <= dim; j += 4) {
    const v = v128.load(xr + <usize>j * 4);
    const a = f64x2.sub(lo64(v), mv);
    const b = f64x2.sub(hi64(v), mv);
    s0 = f64x2.add(s0, f64x2.mul(a, a));
    s1 = f64x2.add(s1, f64x2.mul(b, b));
  }
  let s = hsum64(f64x2.add(s0, s1));
  for (; j < dim; j++) {
    const d = <f64>load<f32>(xr + <usize>j * 4) - mean;
    s += d * d;
  }
  return s;
}
