// Inlined helpers shared by the quantized linear kernels (kernels/quant_*.ts). This file is NOT
// re-exported from kernels/index.ts: nothing here becomes a WASM export. Helpers are static
// methods of a class only because AssemblyScript's @inline decorator must sit on a function or
// method and Biome accepts decorators on class members only.
//
// Integer dot products of 16 weights (unsigned, 0..63) with 16 activation int8 values:
// - relaxed build: i16x8.relaxed_dot_i8x16_i7x16_s(x, w) (exact: w is 0..63, a valid i7, and the
//   pair sums |x0·w0 + x1·w1| ≤ 2·127·63 never saturate i16), then i32x4.dot_i16x8_s with a scale;
// - portable build: the activation is also kept widened to i16 (the "q16" plane), the weights are
//   zero-extended to i16 and multiplied (|x·w| ≤ 127·63 fits i16), then i32x4.dot_i16x8_s.
// Both give exact integers; lanes hold partial sums whose total is the block dot product.

// biome-ignore lint/complexity/noStaticOnlyClass: a class carries AssemblyScript's @inline decorators
export class Q {
  /** f16 bits (low 16 bits of h) to f32: exact for normals, subnormals, inf and NaN. */
  @inline static f16(h: u32): f32 {
    const em = h & 0x7fff;
    const bits = em << 13;
    // Multiplying by 2^112 rebases the exponent; subnormal halves become normal f32 exactly.
    let f = reinterpret<f32>(bits) * reinterpret<f32>(0x77800000);
    f = select<f32>(reinterpret<f32>(bits | 0x7f800000), f, em >= 0x7c00);
    return reinterpret<f32>(reinterpret<u32>(f) | ((h & 0x8000) << 16));
  }

  /** 4 f16 values (zero-extended u16 in i32 lanes) to f32x4, exact as Q.f16. */
  @inline static f16x4(h: v128): v128 {
    const em = v128.and(h, i32x4.splat(0x7fff));
    const bits = i32x4.shl(em, 13);
    let f = f32x4.mul(bits, f32x4.splat(reinterpret<f32>(0x77800000)));
    f = v128.bitselect(v128.or(bits, i32x4.splat(0x7f800000)), f, i32x4.gt_s(em, i32x4.splat(0x7bff)));
    return v128.or(f, i32x4.shl(v128.and(h, i32x4.splat(0x8000)), 16));
  }

  /** The f16 scales at p, p+stride, p+2·stride, p+3·stride as f32x4. */
  @inline static f16gather(p: usize, stride: usize): v128 {
    let h = i32x4.splat(0);
    h = v128.load16_lane(p, h, 0);
    h = v128.load16_lane(p + stride, h, 2);
    h = v128.load16_lane(p + 2 * stride, h, 4);
    h = v128.load16_lane(p + 3 * stride, h, 6);
    return Q.f16x4(h);
  }

  /**
   * Widens the f16 scale at the start of each of the nb blocks (bs bytes each) of the row at wr
   * into f32 at dst (a separate pass keeps the dot loops free of the conversion's constants).
   */
  @inline static scales(wr: usize, nb: i32, bs: usize, dst: usize): void {
    let b = 0;
    for (; b + 4 <= nb; b += 4) {
      const o = <usize>b;
      v128.store(dst + (o << 2), Q.f16gather(wr + o * bs, bs));
    }
    for (; b < nb; b++) store<f32>(dst + ((<usize>b) << 2), Q.f16(load<u16>(wr + <usize>b * bs)));
  }

  /** c + a·b per f32 lane (fused in the relaxed build). */
  @inline static madd(a: v128, b: v128, c: v128): v128 {
    if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
    return f32x4.add(c, f32x4.mul(a, b));
  }

  /** Sum of the 4 f32 lanes. */
  @inline static hsum(a: v128): f32 {
    return (
      f32x4.extract_lane(a, 0) +
      f32x4.extract_lane(a, 1) +
      (f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3))
    );
  }

  /**
   * acc + sc · (x[0..16) · w), i32x4. w: 16 unsigned weights 0..63; x: int8 activations at x8
   * (relaxed build) or the same values as i16 at x16 (portable build); sc: i16x8 splat of the scale.
   */
  @inline static dot16(acc: v128, w: v128, x8: usize, x16: usize, sc: v128): v128 {
    if (ASC_FEATURE_RELAXED_SIMD) {
      return i32x4.add(acc, i32x4.dot_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(x8), w), sc));
    }
    const p0 = i16x8.mul(i16x8.extend_low_i8x16_u(w), v128.load(x16));
    const p1 = i16x8.mul(i16x8.extend_high_i8x16_u(w), v128.load(x16, 16));
    return i32x4.add(acc, i32x4.add(i32x4.dot_i16x8_s(p0, sc), i32x4.dot_i16x8_s(p1, sc)));
  }

  /**
   * sc · (x[0..32) · [wa, wb]) as i32x4 partial sums, for 32 weights 0..31 sharing one scale: in
   * the relaxed build the two i16 pair-sum vectors are added before widening (|sum| ≤ 4·127·31
   * fits i16).
   */
  @inline static idot32(wa: v128, wb: v128, x8: usize, x16: usize, sc: v128): v128 {
    if (ASC_FEATURE_RELAXED_SIMD) {
      const s = i16x8.add(
        i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(x8), wa),
        i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(x8, 16), wb),
      );
      return i32x4.dot_i16x8_s(s, sc);
    }
    const p0 = i16x8.mul(i16x8.extend_low_i8x16_u(wa), v128.load(x16));
    const p1 = i16x8.mul(i16x8.extend_high_i8x16_u(wa), v128.load(x16, 16));
    const p2 = i16x8.mul(i16x8.extend_low_i8x16_u(wb), v128.load(x16, 32));
    const p3 = i16x8.mul(i16x8.extend_high_i8x16_u(wb), v128.load(x16, 48));
    return i32x4.add(
      i32x4.add(i32x4.dot_i16x8_s(p0, sc), i32x4.dot_i16x8_s(p1, sc)),
      i32x4.add(i32x4.dot_i16x8_s(p2, sc), i32x4.dot_i16x8_s(p3, sc)),
    );
  }

  /** acc + Q.idot32(...). */
  @inline static dot32(acc: v128, wa: v128, wb: v128, x8: usize, x16: usize, sc: v128): v128 {
    return i32x4.add(acc, Q.idot32(wa, wb, x8, x16, sc));
  }

  /** [ΣA, ΣB, ΣC, ΣD]: the lane sums of four i32x4 vectors, in one vector. */
  @inline static red4(a: v128, b: v128, c: v128, d: v128): v128 {
    const ab = i32x4.add(i32x4.shuffle(a, b, 0, 1, 4, 5), i32x4.shuffle(a, b, 2, 3, 6, 7));
    const cd = i32x4.add(i32x4.shuffle(c, d, 0, 1, 4, 5), i32x4.shuffle(c, d, 2, 3, 6, 7));
    return i32x4.add(i32x4.shuffle(ab, cd, 0, 2, 4, 6), i32x4.shuffle(ab, cd, 1, 3, 5, 7));
  }

  /** Stores (or adds) one output value. */
  @inline static put(p: usize, v: f32, accumulate: i32): void {
    if (accumulate) v += load<f32>(p);
    store<f32>(p, v);
  }

  /** Stores the horizontal sums of a tile of up to 4 tokens (nt of them) at o, o+os, o+2os, o+3os. */
  @inline static put4(
    o: usize,
    os: usize,
    nt: i32,
    a0: v128,
    a1: v128,
    a2: v128,
    a3: v128,
    accumulate: i32,
  ): void {
    Q.put(o, Q.hsum(a0), accumulate);
    if (nt > 1) Q.put(o + os, Q.hsum(a1), accumulate);
    if (nt > 2) Q.put(o + 2 * os, Q.hsum(a2), accumulate);
    if (nt > 3) Q.put(o + 3 * os, Q.hsum(a3), accumulate);
  }

  /**
   * Unpacks the 12-byte 6-bit scales/mins of a Q4_K/Q5_K super-block (at p) into 16 bytes
   * [sc0..sc7, m0..m7], exactly as ggml's get_scale_min_k4.
   */
  @inline static scalesK4(p: usize): v128 {
    const v = v128.load(p); // bytes 0..11 used; 12..15 are the next bytes of the block
    const v4 = i16x8.shr_u(v, 4); // per byte: v >> 4 in the low nibble (high nibble masked below)
    // sc0..3 = v[0..3] & 63; sc4..7 = v[8..11] & 15; m0..3 = v[4..7] & 63; m4..7 = v[8..11] >> 4
    let a = i8x16.shuffle(v, v4, 0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 24, 25, 26, 27);
    a = v128.and(a, i32x4(0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f, 0x0f0f0f0f));
    // high 2 bits: sc4..7 |= (v[0..3] >> 6) << 4; m4..7 |= (v[4..7] >> 6) << 4
    let b = i8x16.shuffle(v, v, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0, 0, 4, 5, 6, 7);
    b = v128.and(b, i32x4(0, 0xc0c0c0c0, 0, 0xc0c0c0c0));
    b = i16x8.shr_u(b, 2); // bits 6,7 -> 4,5 (the high byte's masked bits cannot bleed in)
    return v128.or(a, b);
  }
}

/** f32 to the nearest f16 (round to nearest even, as GGML_FP32_TO_FP16), returned as f32. */
export function qroundF16(x: f32): f32 {
  const b = reinterpret<u32>(x);
  const sign = (b >> 16) & 0x8000;
  let a = b & 0x7fffffff;
  let h: u32;
  if (a >= 0x7f800000) h = 0x7c00 | (a > 0x7f800000 ? 0x200 : 0);
  else if (a >= 0x47800000) h = 0x7c00;
  else if (a < 0x38800000) {
    // Subnormal half: adding 0.5 makes the FPU round |x| to the 2^-24 grid (ties to even).
    h = reinterpret<u32>(reinterpret<f32>(a) + 0.5) - 0x3f000000;
  } else {
    const odd = (a >> 13) & 1;
    a += 0xc8000fff; // rebias exponent (15 - 127) << 23, plus rounding bias
    a += odd;
    h = a >> 13;
  }
  return Q.f16(h | sign);
}
