// Load-time repacking of quantized weights into the layouts of the decode kernels (the layouts
// are described in src/backend/wasm/repack.ts, which also converts rows back).

import { Q } from './quant_util';

/**
 * GGUF block layout → g4, in place, for rows [r0, r1) of a Q8_0 (bs = 34) or Q4_0 (bs = 18)
 * weight of nb blocks per row: each full group of 4 blocks becomes its 4 f16 scales followed by
 * the 4 blocks' quants; the last nb % 4 blocks of a row are left as they are. Every value of a
 * group is loaded before any store, so the overlapping move is safe.
 */
export function repack_g4(w: usize, nb: i32, bs: i32, r0: i32, r1: i32): void {
  const b = <usize>bs;
  const rb = <usize>nb * b;
  const groups = <usize>(nb >> 2);
  for (let r = r0; r < r1; r++) {
    let p = w + <usize>r * rb;
    const end = p + groups * 4 * b;
    if (bs === 18) {
      for (; p < end; p += 72) {
        const d0 = load<u16>(p);
        const d1 = load<u16>(p, 18);
        const d2 = load<u16>(p, 36);
        const d3 = load<u16>(p, 54);
        const q0 = v128.load(p, 2);
        const q1 = v128.load(p, 20);
        const q2 = v128.load(p, 38);
        const q3 = v128.load(p, 56);
        store<u16>(p, d0);
        store<u16>(p, d1, 2);
        store<u16>(p, d2, 4);
        store<u16>(p, d3, 6);
        v128.store(p, q0, 8);
        v128.store(p, q1, 24);
        v128.store(p, q2, 40);
        v128.store(p, q3, 56);
      }
    } else {
      for (; p < end; p += 136) {
        const d0 = load<u16>(p);
        const d1 = load<u16>(p, 34);
        const d2 = load<u16>(p, 68);
        const d3 = load<u16>(p, 102);
        const q0 = v128.load(p, 2);
        const q1 = v128.load(p, 18);
        const q2 = v128.load(p, 36);
        const q3 = v128.load(p, 52);
        const q4 = v128.load(p, 70);
        const q5 = v128.load(p, 86);
        const q6 = v128.load(p, 104);
        const q7 = v128.load(p, 120);
        store<u16>(p, d0);
        store<u16>(p, d1, 2);
        store<u16>(p, d2, 4);
        store<u16>(p, d3, 6);
        v128.store(p, q0, 8);
        v128.store(p, q1, 24);
        v128.store(p, q2, 40);
        v128.store(p, q3, 56);
        v128.store(p, q4, 72);
        v128.store(p, q5, 88);
        v128.store(p, q6, 104);
        v128.store(p, q7, 120);
      }
    }
  }
}

// biome-ignore lint/complexity/noStaticOnlyClass: a class carries AssemblyScript's @inline decorators
class T8 {
  /**
   * Transposes the 8 × 8 u16 matrix with rows r0..r7 (column c: lane c of each row) and stores
   * its columns packed: mode 0, values 0..15, two columns per vector (nibbles); mode 1, values
   * 0..3, four columns per vector (2-bit fields).
   */
  @inline static transpose(
    r0: v128,
    r1: v128,
    r2: v128,
    r3: v128,
    r4: v128,
    r5: v128,
    r6: v128,
    r7: v128,
    dst: usize,
    mode: i32,
  ): void {
    // 16-bit interleave, then 32-bit, then 64-bit
    const a0 = i8x16.shuffle(r0, r1, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
    const a1 = i8x16.shuffle(r0, r1, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31);
    const a2 = i8x16.shuffle(r2, r3, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
    const a3 = i8x16.shuffle(r2, r3, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31);
    const a4 = i8x16.shuffle(r4, r5, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
    const a5 = i8x16.shuffle(r4, r5, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31);
    const a6 = i8x16.shuffle(r6, r7, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
    const a7 = i8x16.shuffle(r6, r7, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31);
    const b0 = i32x4.shuffle(a0, a2, 0, 4, 1, 5);
    const b1 = i32x4.shuffle(a0, a2, 2, 6, 3, 7);
    const b2 = i32x4.shuffle(a1, a3, 0, 4, 1, 5);
    const b3 = i32x4.shuffle(a1, a3, 2, 6, 3, 7);
    const b4 = i32x4.shuffle(a4, a6, 0, 4, 1, 5);
    const b5 = i32x4.shuffle(a4, a6, 2, 6, 3, 7);
    const b6 = i32x4.shuffle(a5, a7, 0, 4, 1, 5);
    const b7 = i32x4.shuffle(a5, a7, 2, 6, 3, 7);
    const c0 = i64x2.shuffle(b0, b4, 0, 2);
    const c1 = i64x2.shuffle(b0, b4, 1, 3);
    const c2 = i64x2.shuffle(b1, b5, 0, 2);
    const c3 = i64x2.shuffle(b1, b5, 1, 3);
    const c4 = i64x2.shuffle(b2, b6, 0, 2);
    const c5 = i64x2.shuffle(b2, b6, 1, 3);
    const c6 = i64x2.shuffle(b3, b7, 0, 2);
    const c7 = i64x2.shuffle(b3, b7, 1, 3);
    if (mode === 0) {
      // 4-bit values: columns 2v (low nibbles) and 2v + 1 (high nibbles) make output vector v
      T8.put(dst, c0, c1);
      T8.put(dst + 16, c2, c3);
      T8.put(dst + 32, c4, c5);
      T8.put(dst + 48, c6, c7);
    } else {
      // 2-bit values: columns 4u .. 4u + 3 (bits 0..1, 2..3, 4..5, 6..7) make output vector u
      v128.store(dst, v128.or(v128.or(c0, i16x8.shl(c1, 2)), v128.or(i16x8.shl(c2, 4), i16x8.shl(c3, 6))));
      v128.store(
        dst,
        v128.or(v128.or(c4, i16x8.shl(c5, 2)), v128.or(i16x8.shl(c6, 4), i16x8.shl(c7, 6))),
        16,
      );
    }
  }

  /** lo | hi << 4 per byte (both 0..15). */
  @inline static put(p: usize, lo: v128, hi: v128): void {
    v128.store(p, v128.or(lo, i16x8.shl(hi, 4)));
  }
}

/**
 * GGUF Q4_K super-blocks → the 'q4k-t' layout (kernels/quant_q4_k.ts), in place, for rows
 * [r0, r1) of nsb super-blocks each: d, dmin and the scales stay; qs is transposed so that byte p
 * of vector v holds elements 4v + (p & 1) (low nibble) and 4v + 2 + (p & 1) (high nibble) of
 * sub-block p >> 1. As u16 units (2 elements) of the 8 sub-blocks, that is an 8 × 16 transpose:
 * nibbles are spread to bytes, two 8 × 8 u16 transposes, then packed again.
 */
export function repack_q4k(w: usize, nsb: i32, r0: i32, r1: i32): void {
  const m4 = i8x16.splat(15);
  const start = w + <usize>r0 * <usize>nsb * 144;
  const end = w + <usize>r1 * <usize>nsb * 144;
  for (let p = start; p < end; p += 144) {
    const qs = p + 16;
    // sub-block 2c: low nibbles of qs[32c .. 32c + 32); 2c + 1: high nibbles
    const n0 = v128.load(qs);
    const n1 = v128.load(qs, 16);
    const n2 = v128.load(qs, 32);
    const n3 = v128.load(qs, 48);
    const n4 = v128.load(qs, 64);
    const n5 = v128.load(qs, 80);
    const n6 = v128.load(qs, 96);
    const n7 = v128.load(qs, 112);
    // elements 0..15 of sub-blocks 0..7 (u16 units 0..7): vectors 0..3 of the output
    T8.transpose(
      v128.and(n0, m4),
      v128.and(i16x8.shr_u(n0, 4), m4),
      v128.and(n2, m4),
      v128.and(i16x8.shr_u(n2, 4), m4),
      v128.and(n4, m4),
      v128.and(i16x8.shr_u(n4, 4), m4),
      v128.and(n6, m4),
      v128.and(i16x8.shr_u(n6, 4), m4),
      qs,
      0,
    );
    // elements 16..31 (units 8..15): vectors 4..7
    T8.transpose(
      v128.and(n1, m4),
      v128.and(i16x8.shr_u(n1, 4), m4),
      v128.and(n3, m4),
      v128.and(i16x8.shr_u(n3, 4), m4),
      v128.and(n5, m4),
      v128.and(i16x8.shr_u(n5, 4), m4),
      v128.and(n7, m4),
      v128.and(i16x8.shr_u(n7, 4), m4),
      qs + 64,
      0,
    );
  }
}

// biome-ignore lint/complexity/noStaticOnlyClass: a class carries AssemblyScript's @inline decorators
class T4 {
  /** Stores the transposed 4 × 4 i32 matrices (lo rows, hi rows) as 2 nibble-packed vectors. */
  @inline static put(dst: usize, r0: v128, r1: v128, r2: v128, r3: v128): void {
    const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
    const t1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
    const t2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
    const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
    // columns 0..3: column 2v in the low nibbles and 2v + 1 in the high nibbles of vector v
    T8.put(dst, i64x2.shuffle(t0, t2, 0, 2), i64x2.shuffle(t0, t2, 1, 3));
    T8.put(dst + 16, i64x2.shuffle(t1, t3, 0, 2), i64x2.shuffle(t1, t3, 1, 3));
  }
}

/**
 * GGUF Q4_0 blocks → the 'g4t' layout (kernels/quant_q4_0.ts), in place, for rows [r0, r1) of nb
 * blocks: each full group of 4 blocks becomes its 4 f16 scales (8 bytes) and 64 bytes of quants
 * where byte 4b + j of vector v holds values 8v + j (low nibble) and 8v + 4 + j (high nibble) of
 * block b; the last nb % 4 blocks of a row stay GGUF blocks. In 4-value chunks that is a 4 × 8
 * transpose (two 4 × 4 i32 transposes of the unpacked nibbles). Every value of a group is loaded
 * before any store.
 */
export function repack_g4t(w: usize, nb: i32, r0: i32, r1: i32): void {
  const m4 = i8x16.splat(15);
  const rb = <usize>nb * 18;
  const groups = <usize>(nb >> 2);
  for (let r = r0; r < r1; r++) {
    let p = w + <usize>r * rb;
    const end = p + groups * 72;
    for (; p < end; p += 72) {
      const d0 = load<u16>(p);
      const d1 = load<u16>(p, 18);
      const d2 = load<u16>(p, 36);
      const d3 = load<u16>(p, 54);
      const q0 = v128.load(p, 2);
      const q1 = v128.load(p, 20);
      const q2 = v128.load(p, 38);
      const q3 = v128.load(p, 56);
      store<u16>(p, d0);
      store<u16>(p, d1, 2);
      store<u16>(p, d2, 4);
      store<u16>(p, d3, 6);
      // values 0..15 of each block (chunks 0..3): vectors 0, 1; values 16..31: vectors 2, 3
      T4.put(p + 8, v128.and(q0, m4), v128.and(q1, m4), v128.and(q2, m4), v128.and(q3, m4));
      T4.put(
        p + 40,
        v128.and(i16x8.shr_u(q0, 4), m4),
        v128.and(i16x8.shr_u(q1, 4), m4),
        v128.and(i16x8.shr_u(q2, 4), m4),
        v128.and(i16x8.shr_u(q3, 4), m4),
      );
    }
  }
}

/**
 * GGUF Q6_K super-blocks → the 'q6k-t' layout (kernels/quant_q6_k.ts, relaxed build), in place,
 * for rows [r0, r1) of nsb super-blocks: scales and d stay; the 256 6-bit values are re-stored
 * so that vector V = 8H + k (16 bytes, half H, k = 0..7) holds at byte 2j + e the value
 * 16j + 2k + e of half H (sub-block 8H + j): its low 4 bits in ql (byte 16·(V >> 1), low nibble
 * for even V) and its high 2 bits in qh (byte 128 + 16·(V >> 2), bits 2·(V & 3)). Per half: the
 * 8 sub-blocks unpacked to bytes, an 8 × 8 u16 transpose, then packed again; a half reads and
 * writes the same bytes, and every value of a half is loaded before any store.
 */
export function repack_q6k(w: usize, nsb: i32, r0: i32, r1: i32): void {
  const m15 = i8x16.splat(15);
  const m30 = i8x16.splat(0x30);
  const m3 = i8x16.splat(3);
  const start = w + <usize>r0 * <usize>nsb * 210;
  const end = w + <usize>r1 * <usize>nsb * 210;
  for (let p = start; p < end; p += 210) {
    // half H reads ql bytes 64H .. 64H + 63 and qh bytes 128 + 32H .. + 31, and writes back the
    // same bytes: the halves are independent
    for (let h: usize = 0; h < 2; h++) {
      const ql = p + (h << 6);
      const qh = p + 128 + (h << 5);
      const l0 = v128.load(ql, 0);
      const l1 = v128.load(ql, 16);
      const l2 = v128.load(ql, 32);
      const l3 = v128.load(ql, 48);
      const g0 = v128.load(qh, 0);
      const g1 = v128.load(qh, 16);
      // sub-blocks 0..7 of the half as bytes; transposed as u16 (column k: values 2k, 2k + 1 of
      // every sub-block) once for the low 4 bits (into ql) and once for the high 2 bits (into qh)
      const u0 = Q.lo6(l0, i16x8.shl(g0, 4), m15, m30);
      const u1 = Q.lo6(l1, i16x8.shl(g1, 4), m15, m30);
      const u2 = Q.lo6(l2, i16x8.shl(g0, 2), m15, m30);
      const u3 = Q.lo6(l3, i16x8.shl(g1, 2), m15, m30);
      const u4 = Q.hi6(l0, g0, m15, m30);
      const u5 = Q.hi6(l1, g1, m15, m30);
      const u6 = Q.hi6(l2, i16x8.shr_u(g0, 2), m15, m30);
      const u7 = Q.hi6(l3, i16x8.shr_u(g1, 2), m15, m30);
      T8.transpose(
        v128.and(u0, m15),
        v128.and(u1, m15),
        v128.and(u2, m15),
        v128.and(u3, m15),
        v128.and(u4, m15),
        v128.and(u5, m15),
        v128.and(u6, m15),
        v128.and(u7, m15),
        ql,
        0,
      );
      T8.transpose(
        v128.and(i16x8.shr_u(u0, 4), m3),
        v128.and(i16x8.shr_u(u1, 4), m3),
        v128.and(i16x8.shr_u(u2, 4), m3),
        v128.and(i16x8.shr_u(u3, 4), m3),
        v128.and(i16x8.shr_u(u4, 4), m3),
        v128.and(i16x8.shr_u(u5, 4), m3),
        v128.and(i16x8.shr_u(u6, 4), m3),
        v128.and(i16x8.shr_u(u7, 4), m3),
        qh,
        1,
      );
    }
  }
}
