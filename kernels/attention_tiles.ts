// Register-tiled lower-triangular products for the training attention (attention_train.ts):
// `scores` (S = X·Yᵀ, 2 rows × 4 keys of dot products reduced by one transpose), `mulLower`
// (C = A·X, 4 rows × 8 columns, C written once) and `mulLowerT` (C += Aᵀ·X, 4 keys × 8 columns).
// Entries above the diagonal are never read (j > i is masked). Pointers: C and X address row 0;
// A and S address row i0 of the block of rows [i0, i1). Strides are in bytes. Not re-exported
// from kernels/index.ts: these are inlined helpers, not WASM exports.
import { madd } from './simd';

/** [Σa, Σb, Σc, Σd]: four horizontal sums with one 4×4 transpose. */
function sum4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(v128.shuffle<f32>(a, b, 0, 4, 1, 5), v128.shuffle<f32>(a, b, 2, 6, 3, 7));
  const cd = f32x4.add(v128.shuffle<f32>(c, d, 0, 4, 1, 5), v128.shuffle<f32>(c, d, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(ab, cd, 0, 1, 4, 5), v128.shuffle<f32>(ab, cd, 2, 3, 6, 7));
}

/** Lane d of rows y, y + ys, y + 2ys, y + 3ys (the tail of the dot products when n % 4 ≠ 0). */
function column4(y: usize, ys: usize, o: usize): v128 {
  let w = f32x4.splat(load<f32>(y + o));
  w = f32x4.replace_lane(w, 1, load<f32>(y + ys + o));
  w = f32x4.replace_lane(w, 2, load<f32>(y + 2 * ys + o));
  return f32x4.replace_lane(w, 3, load<f32>(y + 3 * ys + o));
}

/** a·b over n floats (single keys of `scores`, where a whole key quad would pass row T). */
function dot(a: usize, b: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) acc = madd(v128.load(a + <usize>i * 4), v128.load(b + <usize>i * 4), acc);
  let s =
    f32x4.extract_lane(acc, 0) +
    f32x4.extract_lane(acc, 1) +
    (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  for (; i < n; i++) s += load<f32>(a + <usize>i * 4) * load<f32>(b + <usize>i * 4);
  return s;
}

/**
 * S[i − i0][j] = scale · X_i·Y_j for i in [i0, i1), j ≤ i (rows of n floats; T rows of Y exist).
 * Columns i < j ≤ i + 4 (< T) of S may receive junk (key quads are whole, rows go in pairs).
 */
export function scores(
  S: usize,
  ss: usize,
  X: usize,
  xs: usize,
  Y: usize,
  ys: usize,
  T: i32,
  i0: i32,
  i1: i32,
  n: i32,
  scale: f32,
): void {
  const vs = f32x4.splat(scale);
  // Row pairs (i, e); a lone last row is paired with itself (both stores write the same values).
  for (let i = i0; i < i1; i += 2) {
    const e = min(i + 1, i1 - 1);
    const s0 = S + <usize>(i - i0) * ss;
    const s1 = S + <usize>(e - i0) * ss;
    const x0 = X + <usize>i * xs;
    const x1 = X + <usize>e * xs;
    let j = 0;
    // Key quads: 2 rows × 4 keys of dot products in 8 accumulators (written out: a call costs 20%).
    for (; j <= e && j + 4 <= T; j += 4) {
      const y0 = Y + <usize>j * ys;
      const y1 = y0 + ys;
      const y2 = y1 + ys;
      const y3 = y2 + ys;
      let a0 = f32x4.splat(0);
      let a1 = a0;
      let a2 = a0;
      let a3 = a0;
      let b0 = a0;
      let b1 = a0;
      let b2 = a0;
      let b3 = a0;
      let d = 0;
      for (; d + 4 <= n; d += 4) {
        const o = <usize>d * 4;
        const p = v128.load(x0 + o);
        const q = v128.load(x1 + o);
        let w = v128.load(y0 + o);
        a0 = madd(p, w, a0);
        b0 = madd(q, w, b0);
        w = v128.load(y1 + o);
        a1 = madd(p, w, a1);
        b1 = madd(q, w, b1);
        w = v128.load(y2 + o);
        a2 = madd(p, w, a2);
        b2 = madd(q, w, b2);
        w = v128.load(y3 + o);
        a3 = madd(p, w, a3);
        b3 = madd(q, w, b3);
      }
      let ra = sum4(a0, a1, a2, a3);
      let rb = sum4(b0, b1, b2, b3);
      for (; d < n; d++) {
        const o = <usize>d * 4;
        const w = column4(y0, ys, o);
        ra = madd(f32x4.splat(load<f32>(x0 + o)), w, ra);
        rb = madd(f32x4.splat(load<f32>(x1 + o)), w, rb);
      }
      v128.store(s0 + <usize>j * 4, f32x4.mul(ra, vs));
      v128.store(s1 + <usize>j * 4, f32x4.mul(rb, vs));
    }
    for (; j <= e; j++) {
      const y = Y + <usize>j * ys;
      store<f32>(s0 + <usize>j * 4, dot(x0, y, n) * scale);
      store<f32>(s1 + <usize>j * 4, dot(x1, y, n) * scale);
    }
  }
}

/**
 * C_i[0..n) = Σ_{j ≤ i} A[i − i0][j] · X_j for i in [i0, i1). Tiles of 4 rows (the last one
 * repeats row i1 − 1, which is written twice with the same value) × 8 columns, then 4, then 1.
 */
export function mulLower(
  C: usize,
  cs: usize,
  A: usize,
  as: usize,
  X: usize,
  xs: usize,
  i0: i32,
  i1: i32,
  n: i32,
): void {
  for (let i = i0; i < i1; i += 4) {
    const e1 = min(i + 1, i1 - 1);
    const e2 = min(i + 2, i1 - 1);
    const e3 = min(i + 3, i1 - 1);
    const a0 = A + <usize>(i - i0) * as;
    const a1 = A + <usize>(e1 - i0) * as;
    const a2 = A + <usize>(e2 - i0) * as;
    const a3 = A + <usize>(e3 - i0) * as;
    const r0 = C + <usize>i * cs;
    const r1 = C + <usize>e1 * cs;
    const r2 = C + <usize>e2 * cs;
    const r3 = C + <usize>e3 * cs;
    let c = 0;
    for (; c + 8 <= n; c += 8) {
      let c00 = f32x4.splat(0);
      let c01 = c00;
      let c10 = c00;
      let c11 = c00;
      let c20 = c00;
      let c21 = c00;
      let c30 = c00;
      let c31 = c00;
      let x = X + <usize>c * 4;
      let o: usize = 0;
      for (let j = 0; j <= i; j++) {
        const w0 = v128.load(x);
        const w1 = v128.load(x, 16);
        let p = v128.load32_splat(a0 + o);
        c00 = madd(p, w0, c00);
        c01 = madd(p, w1, c01);
        p = v128.load32_splat(a1 + o);
        c10 = madd(p, w0, c10);
        c11 = madd(p, w1, c11);
        p = v128.load32_splat(a2 + o);
        c20 = madd(p, w0, c20);
        c21 = madd(p, w1, c21);
        p = v128.load32_splat(a3 + o);
        c30 = madd(p, w0, c30);
        c31 = madd(p, w1, c31);
        x += xs;
        o += 4;
      }
      // The triangle above row i: key j only counts for rows with e_r ≥ j.
      for (let j = i + 1; j <= e3; j++) {
        const w0 = v128.load(x);
        const w1 = v128.load(x, 16);
        if (j <= e1) {
          const p1 = v128.load32_splat(a1 + o);
          c10 = madd(p1, w0, c10);
          c11 = madd(p1, w1, c11);
        }
        if (j <= e2) {
          const p2 = v128.load32_splat(a2 + o);
          c20 = madd(p2, w0, c20);
          c21 = madd(p2, w1, c21);
        }
        const p = v128.load32_splat(a3 + o);
        c30 = madd(p, w0, c30);
        c31 = madd(p, w1, c31);
        x += xs;
        o += 4;
      }
      const co = <usize>c * 4;
      v128.store(r0 + co, c00);
      v128.store(r0 + co, c01, 16);
      v128.store(r1 + co, c10);
      v128.store(r1 + co, c11, 16);
      v128.store(r2 + co, c20);
      v128.store(r2 + co, c21, 16);
      v128.store(r3 + co, c30);
      v128.store(r3 + co, c31, 16);
    }
    if (c + 4 <= n) {
      let c0 = f32x4.splat(0);
      let c1 = c0;
      let c2 = c0;
      let c3 = c0;
      let x = X + <usize>c * 4;
      let o: usize = 0;
      for (let j = 0; j <= e3; j++) {
        const w = v128.load(x);
        if (j <= i) c0 = madd(v128.load32_splat(a0 + o), w, c0);
        if (j <= e1) c1 = madd(v128.load32_splat(a1 + o), w, c1);
        if (j <= e2) c2 = madd(v128.load32_splat(a2 + o), w, c2);
        c3 = madd(v128.load32_splat(a3 + o), w, c3);
        x += xs;
        o += 4;
      }
      const co = <usize>c * 4;
      v128.store(r0 + co, c0);
      v128.store(r1 + co, c1);
      v128.store(r2 + co, c2);
      v128.store(r3 + co, c3);
      c += 4;
    }
    for (; c < n; c++) {
      for (let r = 0; r < 4; r++) {
        const e = min(i + r, i1 - 1);
        const a = A + <usize>(e - i0) * as;
        let s: f32 = 0;
        for (let j = 0; j <= e; j++)
          s += load<f32>(a + <usize>j * 4) * load<f32>(X + <usize>j * xs + <usize>c * 4);
        store<f32>(C + <usize>e * cs + <usize>c * 4, s);
      }
    }
  }
}

/**
 * C_j[0..n) += Σ_{i in [max(i0, j), i1)} A[i − i0][j] · X_i for j in [0, i1). Tiles of 4 keys
 * (the last one repeats key i1 − 1: it loads, adds and stores the same value twice) × 8 columns.
 */
export function mulLowerT(
  C: usize,
  cs: usize,
  A: usize,
  as: usize,
  X: usize,
  xs: usize,
  i0: i32,
  i1: i32,
  n: i32,
): void {
  for (let j = 0; j < i1; j += 4) {
    const e1 = min(j + 1, i1 - 1);
    const e2 = min(j + 2, i1 - 1);
    const e3 = min(j + 3, i1 - 1);
    const r0 = C + <usize>j * cs;
    const r1 = C + <usize>e1 * cs;
    const r2 = C + <usize>e2 * cs;
    const r3 = C + <usize>e3 * cs;
    const k0 = <usize>j * 4;
    const k1 = <usize>e1 * 4;
    const k2 = <usize>e2 * 4;
    const k3 = <usize>e3 * 4;
    const start = max(i0, j);
    const full = max(start, e3); // rows from here on see all 4 keys
    let c = 0;
    for (; c + 8 <= n; c += 8) {
      const co = <usize>c * 4;
      let c00 = v128.load(r0 + co);
      let c01 = v128.load(r0 + co, 16);
      let c10 = v128.load(r1 + co);
      let c11 = v128.load(r1 + co, 16);
      let c20 = v128.load(r2 + co);
      let c21 = v128.load(r2 + co, 16);
      let c30 = v128.load(r3 + co);
      let c31 = v128.load(r3 + co, 16);
      let x = X + <usize>start * xs + co;
      let a = A + <usize>(start - i0) * as;
      for (let i = start; i < full; i++) {
        const w0 = v128.load(x);
        const w1 = v128.load(x, 16);
        let p = v128.load32_splat(a + k0);
        c00 = madd(p, w0, c00);
        c01 = madd(p, w1, c01);
        if (i >= e1) {
          p = v128.load32_splat(a + k1);
          c10 = madd(p, w0, c10);
          c11 = madd(p, w1, c11);
        }
        if (i >= e2) {
          p = v128.load32_splat(a + k2);
          c20 = madd(p, w0, c20);
          c21 = madd(p, w1, c21);
        }
        x += xs;
        a += as;
      }
      for (let i = full; i < i1; i++) {
        const w0 = v128.load(x);
        const w1 = v128.load(x, 16);
        let p = v128.load32_splat(a + k0);
        c00 = madd(p, w0, c00);
        c01 = madd(p, w1, c01);
        p = v128.load32_splat(a + k1);
        c10 = madd(p, w0, c10);
        c11 = madd(p, w1, c11);
        p = v128.load32_splat(a + k2);
        c20 = madd(p, w0, c20);
        c21 = madd(p, w1, c21);
        p = v128.load32_splat(a + k3);
        c30 = madd(p, w0, c30);
        c31 = madd(p, w1, c31);
        x += xs;
        a += as;
      }
      v128.store(r0 + co, c00);
      v128.store(r0 + co, c01, 16);
      v128.store(r1 + co, c10);
      v128.store(r1 + co, c11, 16);
      v128.store(r2 + co, c20);
      v128.store(r2 + co, c21, 16);
      v128.store(r3 + co, c30);
      v128.store(r3 + co, c31, 16);
    }
    if (c + 4 <= n) {
      const co = <usize>c * 4;
      let c0 = v128.load(r0 + co);
      let c1 = v128.load(r1 + co);
      let c2 = v128.load(r2 + co);
      let c3 = v128.load(r3 + co);
      let x = X + <usize>start * xs + co;
      let a = A + <usize>(start - i0) * as;
      for (let i = start; i < i1; i++) {
        const w = v128.load(x);
        c0 = madd(v128.load32_splat(a + k0), w, c0);
        if (i >= e1) c1 = madd(v128.load32_splat(a + k1), w, c1);
        if (i >= e2) c2 = madd(v128.load32_splat(a + k2), w, c2);
        if (i >= e3) c3 = madd(v128.load32_splat(a + k3), w, c3);
        x += xs;
        a += as;
      }
      v128.store(r0 + co, c0);
      v128.store(r1 + co, c1);
      v128.store(r2 + co, c2);
      v128.store(r3 + co, c3);
      c += 4;
    }
    for (; c < n; c++) {
      for (let r = 0; r < 4; r++) {
        const e = min(j + r, i1 - 1);
        const dst = C + <usize>e * cs + <usize>c * 4;
        let s = load<f32>(dst);
        for (let i = max(i0, e); i < i1; i++) {
          s +=
            load<f32>(A + <usize>(i - i0) * as + <usize>e * 4) * load<f32>(X + <usize>i * xs + <usize>c * 4);
        }
        // Repeated keys (e < j + r) must not add twice: only the first occurrence stores.
        if (e === j + r) store<f32>(dst, s);
      }
    }
  }
}
