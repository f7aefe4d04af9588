// Open-addressing hash map from non-negative integer keys (< 2^53) to float64 values, for the trainer's
// pair counts (much faster than Map<number, number> on millions of updates). No deletion:
// a value of 0 means absent. `clearTouched` empties a map whose every key was recorded.

export class IntFloatMap {
  private keys: Float64Array;
  private vals: Float64Array;
  private mask: number;
  private used = 0;

  constructor(expected = 1024) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.keys = new Float64Array(cap).fill(-1);
    this.vals = new Float64Array(cap);
    this.mask = cap - 1;
  }

  private slot(k: number): number {
    let i = Math.imul(k | 0, 0x9e3779b1) ^ Math.imul((k / 4294967296) | 0, 0x85ebca77);
    i = (i ^ (i >>> 16)) & this.mask;
    for (;;) {
      const x = this.keys[i]!;
      if (x === k || x === -1) return i;
      i = (i + 1) & this.mask;
    }
  }

  get(k: number): number {
    const i = this.slot(k);
    return this.keys[i] === k ? this.vals[i]! : 0;
  }

  /** Adds `v` to the value of `k`; returns true when `k` was not present before. */
  add(k: number, v: number): boolean {
    let i = this.slot(k);
    if (this.keys[i] === k) {
      this.vals[i] = this.vals[i]! + v;
      return false;
    }
    if ((this.used + 1) * 2 > this.mask) {
      this.grow();
      i = this.slot(k);
    }
    this.keys[i] = k;
    this.vals[i] = v;
    this.used++;
    return true;
  }

  set(k: number, v: number): void {
    const i = this.slot(k);
    if (this.keys[i] === k) this.vals[i] = v;
    else this.add(k, v);
  }

  /** Empties the map, given every key it holds. */
  clearTouched(keys: readonly number[]): void {
    // find every slot first: clearing while probing would cut the probe chains
    const slots = keys.map((k) => this.slot(k));
    for (const i of slots) {
      this.keys[i] = -1;
      this.vals[i] = 0;
    }
    this.used = 0;
  }

  forEach(f: (k: number, v: number) => void): void {
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] !== -1) f(this.keys[i]!, this.vals[i]!);
  }

  private grow(): void {
    const ok = this.keys;
    const ov = this.vals;
    const cap = ok.length * 2;
    this.keys = new Float64Array(cap).fill(-1);
    this.vals = new Float64Array(cap);
    this.mask = cap - 1;
    this.used = 0;
    for (let i = 0; i < ok.length; i++) if (ok[i] !== -1) this.add(ok[i]!, ov[i]!);
  }
}
