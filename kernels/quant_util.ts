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

/**
 * Constant vectors, loaded once per call and passed to the inlined helpers: V8 materializes every
 * use of a v128.const in a loop body with about three instructions (and Binaryen folds constants
 * held in locals back into their uses), while a loaded value stays in a register. Measured: the
 * Q4_0 decode loop 8% faster. Byte offsets: see the QK_* names.
 */
// biome-ignore format: one 16-byte constant per line
export const QK: usize = memory.data<u32>([
  0x0f0f0f0f, 0x0f0f0f0f, 0x0f0f0f0f, 0x0f0f0f0f, // 0: i8x16.splat(15)
  0x00010001, 0x00010001, 0x00010001, 0x00010001, // 16: i16x8.splat(1)
  0x8fffffff, 0x8fffffff, 0x8fffffff, 0x8fffffff, // 32: Q.f16lo mask
  0x77800000, 0x77800000, 0x77800000, 0x77800000, // 48: f32 2^112
  0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f, 0x0f0f0f0f, // 64: Q.scalesK4 low-bit masks
  0x00000000, 0xc0c0c0c0, 0x00000000, 0xc0c0c0c0, // 80: Q.scalesK4 high-bit masks
  0x30303030, 0x30303030, 0x30303030, 0x30303030, // 96: i8x16.splat(0x30)
  0x10101010, 0x10101010, 0x10101010, 0x10101010, // 112: i8x16.splat(0x10)
]);
export const QK_M15: usize = 0;
export const QK_ONE16: usize = 16;
export const QK_F16MSK: usize = 32;
export const QK_F16MUL: usize = 48;
export const QK_K4LO: usize = 64;
export const QK_K4HI: usize = 80;
export const QK_M30: usize = 96;
export const QK_M10: usize = 112;

// biome-ignore lint/complexity/noStaticOnlyClass: a class carries AssemblyScript's @inline decorators
export class Q {
  /**
   * f16 bits (low 16 bits of h) to f32 magnitude bits for a finite half, without any subnormal
   * float operand: normal halves are rebased with an integer add of (127 − 15) << 23, subnormal
   * ones (em < 0x400) are em · 2^-24 from an exact int → f32 conversion. (Multiplying the raw bits
   * by 2^112 is exact too, but a subnormal f32 operand costs a microcode assist on x86: Q6_K rows
   * quantized from real weights have subnormal f16 scales everywhere, and decoded 1.8× slower.)
   */
  @inline static f16mag(em: u32): u32 {
    // A branch, not a select: scales are normal (or subnormal) row after row, so it predicts well
    // and the common path stays three integer operations.
    if (em >= 0x400) return (em << 13) + 0x38000000;
    return reinterpret<u32>(<f32>em * <f32>5.9604644775390625e-8);
  }

  /** f16 bits (low 16 bits of h) to f32: exact for normals, subnormals, inf and NaN. */
  @inline static f16(h: u32): f32 {
    const em = h & 0x7fff;
    const bits = select<u32>((em << 13) | 0x7f800000, Q.f16mag(em), em >= 0x7c00);
    return reinterpret<f32>(bits | ((h & 0x8000) << 16));
  }

  /**
   * f16 bits (low 16 bits of h) to f32, exact for every finite value (inf/NaN come out finite):
   * for the K-quant super-block scales, which prepareQuantWeight checks at upload.
   */
  @inline static f16fin1(h: u32): f32 {
    return reinterpret<f32>(Q.f16mag(h & 0x7fff) | ((h & 0x8000) << 16));
  }

  /**
   * 4 f16 values SIGN-EXTENDED into i32 lanes (v128.load16x4_s) to f32x4, exact for every finite
   * f16 (normals, subnormals, ±0); inf and NaN come out finite, so weights whose block scales use
   * this are checked at upload (src/backend/wasm/quant-linear.ts). shl by 13 puts exponent and
   * mantissa at bits 27..13 with copies of the sign above; the mask (QK + QK_F16MSK) keeps the
   * sign at bit 31 only; × 2^112 (QK + QK_F16MUL) rebases the exponent (subnormal halves become
   * normal f32 exactly). One load and 3 instructions for 4 contiguous scales.
   */
  @inline static f16lo(h: v128, msk: v128, mul: v128): v128 {
    return f32x4.mul(v128.and(i32x4.shl(h, 13), msk), mul);
  }

  /**
   * Widens the f16 scales of a row in the g4 layout (src/backend/wasm/repack.ts: each full group
   * of 4 blocks of bs bytes starts with its 4 scales; the last nb % 4 blocks are GGUF blocks) into
   * f32 at dst. Finite scales only (see f16lo; checked at upload).
   */
  @inline static scalesG4(wr: usize, nb: i32, bs: usize, dst: usize): void {
    const fm = v128.load(QK, QK_F16MSK);
    const fx = v128.load(QK, QK_F16MUL);
    let b = 0;
    for (; b + 4 <= nb; b += 4) {
      const o = <usize>b;
      v128.store(dst + (o << 2), Q.f16lo(v128.load16x4_s(wr + o * bs), fm, fx));
    }
    for (; b < nb; b++) store<f32>(dst + ((<usize>b) << 2), Q.f16(load<u16>(wr + <usize>b * bs)));
  }

  /** c + a·b per f32 lane (fused in the relaxed build). */
  @inline static madd(a: v128, b: v128, c: v128): v128 {
    if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
    return f32x4.add(c, f32x4.mul(a, b));
  }

  /** c − a·b per f32 lane (fused in the relaxed build). */
  @inline static nmadd(a: v128, b: v128, c: v128): v128 {
    if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_nmadd(a, b, c);
    return f32x4.sub(c, f32x4.mul(a, b));
  }

  /**
   * [d, dmin, -, -] of a K-quant super-block at blk (its first 4 bytes), widened by Q.f16lo:
   * exact for finite halves (checked at upload); a subnormal half only costs time (real Q4_K and
   * Q5_K files have none). 4 vector instructions instead of ~26 scalar ones for the two halves.
   */
  @inline static dminK(blk: usize, fm: v128, fx: v128): v128 {
    return Q.f16lo(v128.load16x4_s(blk), fm, fx);
  }

  /**
   * acc + ia·(d·d_x) − (m16 · bsum32)·(dmin·d_x): one K-quant super-block's f32 contribution,
   * with d·d_x and dmin·d_x in lanes 0 and 1 of dv (Q.dminK times d_x). The products are those
   * of the scalar form, so results are bit-identical to it.
   */
  @inline static finishK(acc: v128, ia: v128, m16: v128, b32: usize, dv: v128): v128 {
    const mins = i32x4.dot_i16x8_s(m16, v128.load(b32));
    acc = Q.madd(f32x4.convert_i32x4_s(ia), i32x4.shuffle(dv, dv, 0, 0, 0, 0), acc);
    return Q.nmadd(f32x4.convert_i32x4_s(mins), i32x4.shuffle(dv, dv, 1, 1, 1, 1), acc);
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

  /**
   * 8 i16 partial sums of the dot of 32 unsigned weights (wa, wb: 16 each) with 32 activations
   * already loaded: a0, a1 the int8 quants (relaxed build) or a0..a3 the same as i16 (portable;
   * the unused ones may be anything). |lane| ≤ 4·127·w_max (7620 for 4-bit weights, 15748 for
   * 5-bit). Callers load with immediate offsets (v128.load(p, 32)): in V8 an added constant costs
   * an address instruction per load.
   */
  @inline static pair32(wa: v128, wb: v128, a0: v128, a1: v128, a2: v128, a3: v128): v128 {
    if (ASC_FEATURE_RELAXED_SIMD) {
      return i16x8.add(i16x8.relaxed_dot_i8x16_i7x16_s(a0, wa), i16x8.relaxed_dot_i8x16_i7x16_s(a1, wb));
    }
    return i16x8.add(
      i16x8.add(i16x8.mul(i16x8.extend_low_i8x16_u(wa), a0), i16x8.mul(i16x8.extend_high_i8x16_u(wa), a1)),
      i16x8.add(i16x8.mul(i16x8.extend_low_i8x16_u(wb), a2), i16x8.mul(i16x8.extend_high_i8x16_u(wb), a3)),
    );
  }

  /**
   * [Σa, Σb, Σc, Σd] (i32) of four i16x8 vectors whose lanes are within ±7620: halves are added
   * as i16 (±15240, then ±30480: no overflow) and one i32x4.dot_i16x8_s with ones finishes.
   * 10 instructions instead of 4 dot_i16x8_s + Q.red4 (13).
   */
  @inline static red4w(a: v128, b: v128, c: v128, d: v128, one: v128): v128 {
    return i32x4.dot_i16x8_s(Q.fold22(Q.fold2(a, b), Q.fold2(c, d)), one);
  }

  /** fold2(a, b) and fold2(c, d) to [a a b b c c d d] (each pair of i16 lanes: one input). */
  @inline static fold22(ab: v128, cd: v128): v128 {
    return i16x8.add(i32x4.shuffle(ab, cd, 0, 2, 4, 6), i32x4.shuffle(ab, cd, 1, 3, 5, 7));
  }

  /** 16 six-bit values (Q6_K): the low nibbles of l | bits 4..5 of hbits (m15, m30: masks). */
  @inline static lo6(l: v128, hbits: v128, m15: v128, m30: v128): v128 {
    return v128.or(v128.and(l, m15), v128.and(hbits, m30));
  }

  /** 16 six-bit values (Q6_K): the high nibbles of l | bits 4..5 of hbits. */
  @inline static hi6(l: v128, hbits: v128, m15: v128, m30: v128): v128 {
    return v128.or(v128.and(i16x8.shr_u(l, 4), m15), v128.and(hbits, m30));
  }

  /**
   * 8 i16 partial sums of 16 unsigned weights w (0..63) times 16 activations: a0 the int8 quants
   * (relaxed build) or a0, a1 the same as i16 (portable); |lane| ≤ 2·127·63 = 16002.
   */
  @inline static pair16(w: v128, a0: v128, a1: v128): v128 {
    if (ASC_FEATURE_RELAXED_SIMD) return i16x8.relaxed_dot_i8x16_i7x16_s(a0, w);
    return i16x8.add(i16x8.mul(i16x8.extend_low_i8x16_u(w), a0), i16x8.mul(i16x8.extend_high_i8x16_u(w), a1));
  }

  /**
   * Two i16x8 vectors (lanes within ±16383) folded to [a a a a b b b b]: a dot_i16x8_s with
   * [sa sa sa sa sb sb sb sb] then scales two sub-blocks at once.
   */
  @inline static fold2(a: v128, b: v128): v128 {
    return i16x8.add(i32x4.shuffle(a, b, 0, 1, 4, 5), i32x4.shuffle(a, b, 2, 3, 6, 7));
  }

  /**
   * The 8 i16 scales of sc as 4 vectors [s(2j) ×4, s(2j+1) ×4], j = 0..3 (for Q.fold2), from
   * lane interleaves only.
   */
  @inline static pairScales(sc: v128, j: i32): v128 {
    const u =
      j < 2
        ? i16x8.shuffle(sc, sc, 0, 8, 1, 9, 2, 10, 3, 11)
        : i16x8.shuffle(sc, sc, 4, 12, 5, 13, 6, 14, 7, 15);
    return (j & 1) === 0 ? i32x4.shuffle(u, u, 0, 4, 1, 5) : i32x4.shuffle(u, u, 2, 6, 3, 7);
  }

  /** acc + Q.idot32(...). */
  @inline static dot32(acc: v128, wa: v128, wb: v128, x8: usize, x16: usize, sc: v128): v128 {
    return i32x4.add(acc, Q.idot32(wa, wb, x8, x16, sc));
  }

  /** [ΣA, ΣB, ΣC, ΣD]: the lane sums of four i32x4 vectors, in one vector. */
  @inline static red4(a: v128, b: v128, c: v128, d: v128): v128 {
    return Q.red22(Q.red2(a, b), Q.red2(c, d));
  }

  /** The first level of Q.red4: [a0+a1, a2+a3, b0+b1, b2+b3] (any pairing of lanes per input). */
  @inline static red2(a: v128, b: v128): v128 {
    return i32x4.add(i32x4.shuffle(a, b, 0, 1, 4, 5), i32x4.shuffle(a, b, 2, 3, 6, 7));
  }

  /** The last level of Q.red4: red2(a, b) and red2(c, d) to [ΣA, ΣB, ΣC, ΣD]. */
  @inline static red22(ab: v128, cd: v128): v128 {
    return i32x4.add(i32x4.shuffle(ab, cd, 0, 2, 4, 6), i32x4.shuffle(ab, cd, 1, 3, 5, 7));
  }

  /**
   * Exact dot of a Q8_0 block's 32 int8 quants at wb + 2 (sign-extended to i16 from memory) with
   * 32 i16 values already loaded (x0..x3), as i32x4 partial sums (exact for every int8,
   * −128 included).
   */
  @inline static q8dot(wb: usize, x0: v128, x1: v128, x2: v128, x3: v128): v128 {
    return i32x4.add(
      i32x4.add(i32x4.dot_i16x8_s(v128.load8x8_s(wb, 2), x0), i32x4.dot_i16x8_s(v128.load8x8_s(wb, 10), x1)),
      i32x4.add(i32x4.dot_i16x8_s(v128.load8x8_s(wb, 18), x2), i32x4.dot_i16x8_s(v128.load8x8_s(wb, 26), x3)),
    );
  }

  /** Q.q8dot with the 32 i16 values at x16. */
  @inline static q8dotAt(wb: usize, x16: usize): v128 {
    return Q.q8dot(wb, v128.load(x16), v128.load(x16, 16), v128.load(x16, 32), v128.load(x16, 48));
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
   * [sc0..sc7, m0..m7], exactly as ggml's get_scale_min_k4. klo, khi: the masks at QK + QK_K4LO
   * and QK + QK_K4HI.
   */
  @inline static scalesK4(p: usize, klo: v128, khi: v128): v128 {
    const v = v128.load(p); // bytes 0..11 used; 12..15 are the next bytes of the block
    const v4 = i16x8.shr_u(v, 4); // per byte: v >> 4 in the low nibble (high nibble masked below)
    // sc0..3 = v[0..3] & 63; sc4..7 = v[8..11] & 15; m0..3 = v[4..7] & 63; m4..7 = v[8..11] >> 4
    let a = i8x16.shuffle(v, v4, 0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 24, 25, 26, 27);
    a = v128.and(a, klo); // QK + QK_K4LO
    // high 2 bits: sc4..7 |= (v[0..3] >> 6) << 4; m4..7 |= (v[4..7] >> 6) << 4
    // v[0..3] to bytes 4..7 and v[4..7] to bytes 12..15 (bytes 0..3 and 8..11 are masked off): a
    // 32-bit lane shuffle, one instruction (a byte shuffle makes V8 rebuild its mask every call)
    let b = i32x4.shuffle(v, v, 0, 0, 1, 1);
    b = v128.and(b, khi); // QK + QK_K4HI
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
