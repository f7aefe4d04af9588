// Packed f32 GEMM: out[M,N] (+)= alpha · op(A)[M,K] · op(B)[K,N], batched, any strides/transposes.
// Two parallel phases (both exports end with (r0, r1)):
//   1. gemm_pack_b: op(B) of each batch item is packed once into panels of NR columns, per KC block:
//      block at k0 starts at dst + k0·Npad floats, panel p inside it is [kc][NR] (zero padded).
//      B may be f32, f16 or bf16 (weights of a Linear are converted while packing).
//   2. gemm_compute: work units are (batch item, MC-row block, column block); each packs its
//      A block (scaled by alpha) into per-thread scratch and runs the 4×8 register-tile kernel.
import { bf16x4ToF32, f16x4ToF32, madd } from './simd';

const MR: i32 = 4;
const NR: i32 = 8;
const KC: i32 = 256;
const MC: i32 = 128;

/** Bytes of per-thread scratch gemm_compute needs. */
export function gemm_scratch_bytes(): i32 {
  return MC * KC * 4 + 256;
}

/** Row-block height of gemm_compute's work units. */
export function gemm_mc(): i32 {
  return MC;
}

function loadB(B: usize, dtype: i32, idx: usize): f32 {
  if (dtype === 0) return load<f32>(B + idx * 4);
  const h = <u32>load<u16>(B + idx * 2);
  if (dtype === 2) return reinterpret<f32>(h << 16);
  const v = i32x4.splat(<i32>h);
  return f32x4.extract_lane(f16x4ToF32(v), 0);
}

/**
 * Packs op(B) (B stored [K,N] with row stride ldb, or [N,K] when transB) of `r1 - r0` units:
 * unit u = (batch item u / np, panel u % np), np = ceil(N / NR). dtype: 0 f32, 1 f16, 2 bf16.
 */
export function gemm_pack_b(
  B: usize,
  dtype: i32,
  ldb: i32,
  transB: i32,
  strideB: i32,
  K: i32,
  N: i32,
  dst: usize,
  r0: i32,
  r1: i32,
): void {
  const np = (N + NR - 1) / NR;
  const npad = <usize>np * NR;
  const esz: usize = dtype === 0 ? 4 : 2;
  for (let u = r0; u < r1; u++) {
    const b = u / np;
    const p = u - b * np;
    const Bb = B + <usize>b * <usize>strideB * esz;
    const Db = dst + <usize>b * <usize>K * npad * 4;
    const j0 = p * NR;
    const full = j0 + NR <= N;
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = min(KC, K - k0);
      let d = Db + (<usize>k0 * npad + <usize>p * <usize>kc * NR) * 4;
      if (transB === 0 && full && dtype === 0) {
        for (let k = 0; k < kc; k++) {
          const s = Bb + (<usize>(k0 + k) * <usize>ldb + j0) * 4;
          v128.store(d, v128.load(s));
          v128.store(d, v128.load(s, 16), 16);
          d += NR * 4;
        }
      } else if (transB !== 0 && full && dtype !== 0) {
        // 8 weight rows, contiguous along k: convert 4 at a time, scatter into the panel.
        let k = 0;
        for (; k + 4 <= kc; k += 4) {
          for (let j = 0; j < NR; j++) {
            const s = Bb + (<usize>(j0 + j) * <usize>ldb + <usize>(k0 + k)) * 2;
            const h = i32x4.extend_low_i16x8_u(v128.load64_zero(s));
            const v = dtype === 1 ? f16x4ToF32(h) : bf16x4ToF32(h);
            store<f32>(d + <usize>j * 4, f32x4.extract_lane(v, 0));
            store<f32>(d + <usize>j * 4, f32x4.extract_lane(v, 1), NR * 4);
            store<f32>(d + <usize>j * 4, f32x4.extract_lane(v, 2), NR * 8);
            store<f32>(d + <usize>j * 4, f32x4.extract_lane(v, 3), NR * 12);
          }
          d += NR * 16;
        }
        for (; k < kc; k++) {
          for (let j = 0; j < NR; j++) {
            store<f32>(d + <usize>j * 4, loadB(Bb, dtype, <usize>(j0 + j) * <usize>ldb + <usize>(k0 + k)));
          }
          d += NR * 4;
        }
      } else if (transB !== 0 && full) {
        // f32 [N,K]: 4×4 transposes of two row quads.
        let k = 0;
        for (; k + 4 <= kc; k += 4) {
          for (let h = 0; h < 2; h++) {
            const s0 = Bb + (<usize>(j0 + h * 4) * <usize>ldb + <usize>(k0 + k)) * 4;
            const l = <usize>ldb * 4;
            const a0 = v128.load(s0);
            const a1 = v128.load(s0 + l);
            const a2 = v128.load(s0 + 2 * l);
            const a3 = v128.load(s0 + 3 * l);
            const t0 = v128.shuffle<f32>(a0, a1, 0, 4, 1, 5);
            const t1 = v128.shuffle<f32>(a2, a3, 0, 4, 1, 5);
            const t2 = v128.shuffle<f32>(a0, a1, 2, 6, 3, 7);
            const t3 = v128.shuffle<f32>(a2, a3, 2, 6, 3, 7);
            const o = d + <usize>h * 16;
            v128.store(o, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
            v128.store(o, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), NR * 4);
            v128.store(o, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), NR * 8);
            v128.store(o, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), NR * 12);
          }
          d += NR * 16;
        }
        for (; k < kc; k++) {
          for (let j = 0; j < NR; j++) {
            store<f32>(
              d + <usize>j * 4,
              load<f32>(Bb + (<usize>(j0 + j) * <usize>ldb + <usize>(k0 + k)) * 4),
            );
          }
          d += NR * 4;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          for (let j = 0; j < NR; j++) {
            let v: f32 = 0;
            if (j0 + j < N) {
              const idx =
                transB !== 0
                  ? <usize>(j0 + j) * <usize>ldb + <usize>(k0 + k)
                  : <usize>(k0 + k) * <usize>ldb + <usize>(j0 + j);
              v = loadB(Bb, dtype, idx);
            }
            store<f32>(d + <usize>j * 4, v);
          }
          d += NR * 4;
        }
      }
    }
  }
}

// Packs alpha · op(A)[i0 .. i0+mc, k0 .. k0+kc] into micro-panels [q][kc][MR] (zero padded).
function packA(
  A: usize,
  lda: i32,
  transA: i32,
  i0: i32,
  mc: i32,
  k0: i32,
  kc: i32,
  alpha: f32,
  dst: usize,
): void {
  const nq = (mc + MR - 1) / MR;
  const va = f32x4.splat(alpha);
  for (let q = 0; q < nq; q++) {
    let d = dst + <usize>(q * kc * MR) * 4;
    const r0 = q * MR;
    if (transA === 0 && r0 + MR <= mc) {
      const l = <usize>lda * 4;
      let s0 = A + (<usize>(i0 + r0) * <usize>lda + <usize>k0) * 4;
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        const a0 = v128.load(s0);
        const a1 = v128.load(s0 + l);
        const a2 = v128.load(s0 + 2 * l);
        const a3 = v128.load(s0 + 3 * l);
        const t0 = v128.shuffle<f32>(a0, a1, 0, 4, 1, 5);
        const t1 = v128.shuffle<f32>(a2, a3, 0, 4, 1, 5);
        const t2 = v128.shuffle<f32>(a0, a1, 2, 6, 3, 7);
        const t3 = v128.shuffle<f32>(a2, a3, 2, 6, 3, 7);
        v128.store(d, f32x4.mul(va, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5)));
        v128.store(d, f32x4.mul(va, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7)), 16);
        v128.store(d, f32x4.mul(va, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5)), 32);
        v128.store(d, f32x4.mul(va, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7)), 48);
        s0 += 16;
        d += 64;
      }
      for (; k < kc; k++) {
        for (let r = 0; r < MR; r++) {
          store<f32>(
            d + r * 4,
            alpha * load<f32>(A + (<usize>(i0 + r0 + r) * <usize>lda + <usize>(k0 + k)) * 4),
          );
        }
        d += MR * 4;
      }
    } else if (transA !== 0 && r0 + MR <= mc) {
      // A stored [K, M]: the 4 rows of a panel are contiguous.
      let s = A + (<usize>k0 * <usize>lda + <usize>(i0 + r0)) * 4;
      for (let k = 0; k < kc; k++) {
        v128.store(d, f32x4.mul(va, v128.load(s)));
        s += <usize>lda * 4;
        d += MR * 4;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        for (let r = 0; r < MR; r++) {
          let v: f32 = 0;
          if (r0 + r < mc) {
            const i = i0 + r0 + r;
            const idx =
              transA !== 0
                ? <usize>(k0 + k) * <usize>lda + <usize>i
                : <usize>i * <usize>lda + <usize>(k0 + k);
            v = alpha * load<f32>(A + idx * 4);
          }
          store<f32>(d + r * 4, v);
        }
        d += MR * 4;
      }
    }
  }
}

// Edge tile: C[rows ≤ 4, cols ≤ 8] (row stride l bytes) = (add ? C : 0) + the accumulators.
function storeEdge(
  C: usize,
  l: usize,
  rows: i32,
  cols: i32,
  add: bool,
  tmp: usize,
  c00: v128,
  c01: v128,
  c10: v128,
  c11: v128,
  c20: v128,
  c21: v128,
  c30: v128,
  c31: v128,
): void {
  v128.store(tmp, c00);
  v128.store(tmp, c01, 16);
  v128.store(tmp, c10, 32);
  v128.store(tmp, c11, 48);
  v128.store(tmp, c20, 64);
  v128.store(tmp, c21, 80);
  v128.store(tmp, c30, 96);
  v128.store(tmp, c31, 112);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) {
      const p = C + <usize>r * l + <usize>j * 4;
      const v = load<f32>(tmp + <usize>(r * NR + j) * 4);
      store<f32>(p, add ? load<f32>(p) + v : v);
    }
  }
}

/**
 * Computes units r0..r1 of a GEMM whose op(B) was packed by gemm_pack_b into Bp.
 * unit u = ((b · rowBlocks) + ib) · colBlocks + jb; a row block has MC rows, a column block
 * `panelsPerBlock` panels of NR columns. `scratch` + tid · gemm_scratch_bytes() is this thread's.
 */
export function gemm_compute(
  A: usize,
  lda: i32,
  transA: i32,
  strideA: i32,
  Bp: usize,
  C: usize,
  ldc: i32,
  strideC: i32,
  M: i32,
  N: i32,
  K: i32,
  alpha: f32,
  accumulate: i32,
  panelsPerBlock: i32,
  scratch: usize,
  tid: i32,
  r0: i32,
  r1: i32,
): void {
  const np = (N + NR - 1) / NR;
  const npad = <usize>np * NR;
  const rowBlocks = (M + MC - 1) / MC;
  const colBlocks = (np + panelsPerBlock - 1) / panelsPerBlock;
  const Ap = scratch + <usize>tid * <usize>gemm_scratch_bytes();
  const tmp = Ap + <usize>(MC * KC) * 4;
  const l = <usize>ldc * 4;
  for (let u = r0; u < r1; u++) {
    const jb = u % colBlocks;
    const t = u / colBlocks;
    const ib = t % rowBlocks;
    const b = t / rowBlocks;
    const i0 = ib * MC;
    const mc = min(MC, M - i0);
    const p0 = jb * panelsPerBlock;
    const p1 = min(np, p0 + panelsPerBlock);
    const Ab = A + <usize>b * <usize>strideA * 4;
    const Bb = Bp + <usize>b * <usize>K * npad * 4;
    const Cb = C + <usize>b * <usize>strideC * 4;
    const nq = (mc + MR - 1) / MR;
    if (K === 0) {
      if (accumulate === 0) {
        for (let i = 0; i < mc; i++) {
          for (let j = p0 * NR; j < min(N, p1 * NR); j++) store<f32>(Cb + (<usize>(i0 + i) * ldc + j) * 4, 0);
        }
      }
      continue;
    }
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = min(KC, K - k0);
      packA(Ab, lda, transA, i0, mc, k0, kc, alpha, Ap);
      const add = k0 > 0 || accumulate !== 0;
      for (let p = p0; p < p1; p++) {
        const j0 = p * NR;
        const cols = min(NR, N - j0);
        const bp = Bb + (<usize>k0 * npad + <usize>p * <usize>kc * NR) * 4;
        for (let q = 0; q < nq; q++) {
          const rr = q * MR;
          const rows = min(MR, mc - rr);
          let C0 = Cb + (<usize>(i0 + rr) * <usize>ldc + <usize>j0) * 4;
          // The 4×8 register tile (written out here rather than called: the kernel must be inlined).
          let a0 = Ap + <usize>(q * kc * MR) * 4;
          let b0p = bp;
          let c00 = f32x4.splat(0);
          let c01 = c00;
          let c10 = c00;
          let c11 = c00;
          let c20 = c00;
          let c21 = c00;
          let c30 = c00;
          let c31 = c00;
          for (let k = 0; k < kc; k++) {
            const b0 = v128.load(b0p);
            const b1 = v128.load(b0p, 16);
            let a = v128.load32_splat(a0);
            c00 = madd(a, b0, c00);
            c01 = madd(a, b1, c01);
            a = v128.load32_splat(a0, 4);
            c10 = madd(a, b0, c10);
            c11 = madd(a, b1, c11);
            a = v128.load32_splat(a0, 8);
            c20 = madd(a, b0, c20);
            c21 = madd(a, b1, c21);
            a = v128.load32_splat(a0, 12);
            c30 = madd(a, b0, c30);
            c31 = madd(a, b1, c31);
            a0 += 16;
            b0p += 32;
          }
          if (rows !== MR || cols !== NR) {
            storeEdge(C0, l, rows, cols, add, tmp, c00, c01, c10, c11, c20, c21, c30, c31);
          } else if (add) {
            v128.store(C0, f32x4.add(v128.load(C0), c00));
            v128.store(C0, f32x4.add(v128.load(C0, 16), c01), 16);
            C0 += l;
            v128.store(C0, f32x4.add(v128.load(C0), c10));
            v128.store(C0, f32x4.add(v128.load(C0, 16), c11), 16);
            C0 += l;
            v128.store(C0, f32x4.add(v128.load(C0), c20));
            v128.store(C0, f32x4.add(v128.load(C0, 16), c21), 16);
            C0 += l;
            v128.store(C0, f32x4.add(v128.load(C0), c30));
            v128.store(C0, f32x4.add(v128.load(C0, 16), c31), 16);
          } else {
            v128.store(C0, c00);
            v128.store(C0, c01, 16);
            C0 += l;
            v128.store(C0, c10);
            v128.store(C0, c11, 16);
            C0 += l;
            v128.store(C0, c20);
            v128.store(C0, c21, 16);
            C0 += l;
            v128.store(C0, c30);
            v128.store(C0, c31, 16);
          }
        }
      }
    }
  }
}
