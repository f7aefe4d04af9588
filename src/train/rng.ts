// A small seeded PRNG whose whole state is two 32-bit words, so checkpoints can save and restore
// it exactly (xoshiro64** variant: fast, good enough for data sampling and initialisation).

export interface RngState {
  s0: number;
  s1: number;
}

function splitmix32(a: number): () => number {
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let t = a ^ (a >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t ^= t >>> 15;
    t = Math.imul(t, 0x735a2d97);
    t ^= t >>> 15;
    return t >>> 0;
  };
}

export class Rng {
  private s0: number;
  private s1: number;

  constructor(seed: number) {
    const sm = splitmix32(seed | 0);
    this.s0 = sm() | 0;
    this.s1 = sm() | 0;
    if (this.s0 === 0 && this.s1 === 0) this.s1 = 1;
  }

  static fromState(st: RngState): Rng {
    const r = new Rng(0);
    r.s0 = st.s0 | 0;
    r.s1 = st.s1 | 0;
    return r;
  }

  state(): RngState {
    return { s0: this.s0, s1: this.s1 };
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const s0 = this.s0;
    let s1 = this.s1;
    const result = Math.imul((Math.imul(s0, 0x9e3779bb) << 5) | (Math.imul(s0, 0x9e3779bb) >>> 27), 5) >>> 0;
    s1 ^= s0;
    this.s0 = ((s0 << 26) | (s0 >>> 6)) ^ s1 ^ (s1 << 9);
    this.s1 = (s1 << 13) | (s1 >>> 19);
    return result;
  }

  /** Uniform float in [0, 1) with 32 bits of randomness. */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    let u = this.next();
    while (u === 0) u = this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
