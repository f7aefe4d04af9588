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

/**
 * e^x per lane in f32 (Cephes expf polynomial after reduction by ln 2; ≤ 2 ulp on the normal
 * range). Inputs are clamped to [−87.33, 88]: tiny results stay normal, no overflow to inf; a NaN
 * stays NaN. The clamp uses pmin/pmax (one x86 instruction each; WASM's min/max need ~7 for their
 * NaN and −0 rules, which do not matter here) and n = round-half-even(x·log2 e) comes from adding
 * 1.5·2^23, whose bits then hold n as an integer: the same values as f32x4.nearest followed by
 * i32x4.trunc_sat_f32x4_s (about 8 instructions on x86), bit for bit.
 */
export function expv(x: v128): v128 {
  x = f32x4.pmax(f32x4.pmin(x, f32x4.splat(88.0)), f32x4.splat(-87.33654));
  const magic = f32x4.splat(12582912.0); // 1.5·2^23
  const t = f32x4.add(f32x4.mul(x, f32x4.splat(<f32>Math.LOG2E)), magic);
  const n = f32x4.sub(t, magic);
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.1219444e-4)));
  let p = f32x4.splat(1.98756915e-4);
  p = madd(p, r, f32x4.splat(1.3981999507e-3));
  p = madd(p, r, f32x4.splat(8.3334519073e-3));
  p = madd(p, r, f32x4.splat(4.1665795894e-2));
  p = madd(p, r, f32x4.splat(1.6666665459e-1));
  p = madd(p, r, f32x4.splat(5.0000001201e-1));
  const y = f32x4.add(madd(p, f32x4.mul(r, r), r), f32x4.splat(1));
  // 2^n: (n + 127) << 23, with n = bits(t) − bits(1.5·2^23) = bits(t) − 0x4b400000.
  const e = i32x4.shl(i32x4.sub(t, i32x4.splat(0x4b400000 - 127)), 23);
  return f32x4.mul(y, e);
}
