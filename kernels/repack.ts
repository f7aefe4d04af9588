// Load-time repacking of quantized weights into the layouts of the decode kernels (the layouts
// are described in src/backend/wasm/repack.ts, which also converts rows back).

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
