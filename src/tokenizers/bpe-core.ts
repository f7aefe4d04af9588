// The BPE merge engine shared by byte-level BPE (tokenizer.json, GGUF gpt2, encoder.json) and
// tiktoken. A piece is a sequence of symbol ids; the adjacent pair with the lowest rank is merged
// first, ties going to the leftmost pair (HF tokenizers, tiktoken and llama.cpp all agree).
// Short pieces use a quadratic scan (fastest for the usual < 24 symbols); long ones a binary heap
// over a linked list, so a megabyte-long piece costs O(n log n).

/** Open-addressing hash table (a, b) -> (rank, result id). No allocation on lookup. */
export class PairTable {
  private keyA: Int32Array;
  private keyB: Int32Array;
  private rank: Int32Array;
  private result: Int32Array;
  private mask: number;
  private count = 0;

  constructor(expected = 1024) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.keyA = new Int32Array(cap).fill(-1);
    this.keyB = new Int32Array(cap);
    this.rank = new Int32Array(cap);
    this.result = new Int32Array(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  private static hash(a: number, b: number): number {
    let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77);
    h ^= h >>> 15;
    return h;
  }

  /** Adds a pair; when it exists already the lower rank wins. */
  set(a: number, b: number, rank: number, result: number): void {
    if ((this.count + 1) * 2 > this.mask) this.grow();
    let i = PairTable.hash(a, b) & this.mask;
    while (this.keyA[i] !== -1) {
      if (this.keyA[i] === a && this.keyB[i] === b) {
        if (rank < this.rank[i]!) {
          this.rank[i] = rank;
          this.result[i] = result;
        }
        return;
      }
      i = (i + 1) & this.mask;
    }
    this.keyA[i] = a;
    this.keyB[i] = b;
    this.rank[i] = rank;
    this.result[i] = result;
    this.count++;
  }

  /** Slot index of the pair, or -1. */
  find(a: number, b: number): number {
    let i = PairTable.hash(a, b) & this.mask;
    for (;;) {
      const k = this.keyA[i]!;
      if (k === -1) return -1;
      if (k === a && this.keyB[i] === b) return i;
      i = (i + 1) & this.mask;
    }
  }

  rankAt(slot: number): number {
    return this.rank[slot]!;
  }

  resultAt(slot: number): number {
    return this.result[slot]!;
  }

  private grow(): void {
    const oa = this.keyA;
    const ob = this.keyB;
    const or = this.rank;
    const os = this.result;
    const cap = oa.length * 2;
    this.keyA = new Int32Array(cap).fill(-1);
    this.keyB = new Int32Array(cap);
    this.rank = new Int32Array(cap);
    this.result = new Int32Array(cap);
    this.mask = cap - 1;
    this.count = 0;
    for (let i = 0; i < oa.length; i++) if (oa[i] !== -1) this.set(oa[i]!, ob[i]!, or[i]!, os[i]!);
  }
}

const NO_RANK = 0x7fffffff;
const SMALL = 24;
const RANK_SCALE = 4294967296; // heap key = rank * 2^32 + position (exact below 2^53)

export class BpeEngine {
  private ranks = new Int32Array(SMALL);
  private sym = new Int32Array(64);
  private next = new Int32Array(64);
  private prev = new Int32Array(64);
  private heap = new Float64Array(64);
  private heapLen = 0;

  constructor(readonly pairs: PairTable) {}

  /** Merges `ids[0..n)` in place semantics (ids is scratch) and appends the result to `out`. */
  merge(ids: Int32Array, n: number, out: number[]): void {
    if (n === 0) return;
    if (n === 1) {
      out.push(ids[0]!);
      return;
    }
    if (n <= SMALL) this.mergeSmall(ids, n, out);
    else this.mergeLarge(ids, n, out);
  }

  private pairRank(a: number, b: number): number {
    const slot = this.pairs.find(a, b);
    return slot < 0 ? NO_RANK : this.pairs.rankAt(slot);
  }

  private mergeSmall(s: Int32Array, n: number, out: number[]): void {
    const r = this.ranks;
    for (let i = 0; i + 1 < n; i++) r[i] = this.pairRank(s[i]!, s[i + 1]!);
    while (n > 1) {
      let best = NO_RANK;
      let at = -1;
      for (let i = 0; i + 1 < n; i++) {
        if (r[i]! < best) {
          best = r[i]!;
          at = i;
        }
      }
      if (at < 0) break;
      s[at] = this.pairs.resultAt(this.pairs.find(s[at]!, s[at + 1]!));
      for (let i = at + 1; i + 1 < n; i++) {
        s[i] = s[i + 1]!;
        r[i] = r[i + 1]!;
      }
      n--;
      if (at > 0) r[at - 1] = this.pairRank(s[at - 1]!, s[at]!);
      if (at + 1 < n) r[at] = this.pairRank(s[at]!, s[at + 1]!);
    }
    for (let i = 0; i < n; i++) out.push(s[i]!);
  }

  private ensure(n: number): void {
    if (this.sym.length >= n) return;
    let cap = this.sym.length;
    while (cap < n) cap *= 2;
    this.sym = new Int32Array(cap);
    this.next = new Int32Array(cap);
    this.prev = new Int32Array(cap);
    this.heap = new Float64Array(cap);
  }

  private push(key: number): void {
    const h = this.heap;
    let i = this.heapLen++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]! <= key) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = key;
  }

  private pop(): number {
    const h = this.heap;
    const top = h[0]!;
    h[0] = h[--this.heapLen]!;
    this.siftDown(0);
    return top;
  }

  private siftDown(i: number): void {
    const h = this.heap;
    const last = h[i]!;
    const len = this.heapLen;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= len) break;
      if (c + 1 < len && h[c + 1]! < h[c]!) c++;
      if (h[c]! >= last) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
  }

  private tryPush(left: number): void {
    const right = this.next[left]!;
    if (right < 0) return;
    const slot = this.pairs.find(this.sym[left]!, this.sym[right]!);
    if (slot < 0) return;
    if (this.heapLen >= this.heap.length) {
      const h = new Float64Array(this.heap.length * 2);
      h.set(this.heap);
      this.heap = h;
    }
    this.push(this.pairs.rankAt(slot) * RANK_SCALE + left);
  }

  private mergeLarge(ids: Int32Array, n: number, out: number[]): void {
    this.ensure(n);
    const sym = this.sym;
    const next = this.next;
    const prev = this.prev;
    for (let i = 0; i < n; i++) {
      sym[i] = ids[i]!;
      next[i] = i + 1 < n ? i + 1 : -1;
      prev[i] = i - 1;
    }
    // build the heap in O(n): fill, then sift down
    this.heapLen = 0;
    const h = this.heap;
    for (let i = 0; i + 1 < n; i++) {
      const slot = this.pairs.find(sym[i]!, sym[i + 1]!);
      if (slot >= 0) h[this.heapLen++] = this.pairs.rankAt(slot) * RANK_SCALE + i;
    }
    for (let i = (this.heapLen >> 1) - 1; i >= 0; i--) this.siftDown(i);
    while (this.heapLen > 0) {
      const key = this.pop();
      const rank = Math.floor(key / RANK_SCALE);
      const left = key - rank * RANK_SCALE;
      if (sym[left]! < 0) continue;
      const right = next[left]!;
      if (right < 0) continue;
      const slot = this.pairs.find(sym[left]!, sym[right]!);
      if (slot < 0 || this.pairs.rankAt(slot) !== rank) continue; // stale entry
      sym[left] = this.pairs.resultAt(slot);
      sym[right] = -1;
      const nn = next[right]!;
      next[left] = nn;
      if (nn >= 0) prev[nn] = left;
      if (prev[left]! >= 0) this.tryPush(prev[left]!);
      this.tryPush(left);
    }
    for (let i = 0; i >= 0; i = next[i]!) out.push(sym[i]!);
  }
}
