// The candidate array the samplers work on (llama.cpp's llama_token_data_array): parallel typed
// arrays preallocated once per vocabulary, so a sampling step allocates nothing.

export class Candidates {
  /** Token id of each candidate. */
  readonly ids: Int32Array;
  /** Logit of each candidate (samplers edit these in place). */
  readonly logits: Float32Array;
  /** Probability of each candidate, valid after softmax(). */
  readonly probs: Float32Array;
  /** Scratch key per candidate (typical-p sorts by it). */
  readonly aux: Float32Array;
  /** Number of live candidates (a prefix of the arrays). */
  size = 0;
  /** Whether the live candidates are sorted by descending logit (ties: lower id first). */
  sorted = false;
  /** Index of the chosen candidate after a final sampler ran, or -1. */
  selected = -1;

  // Scratch of the full sort: packed keys, and each id's logit while the keys are sorted.
  private keys: Float64Array | undefined;
  private byId: Float32Array | undefined;
  private readonly bits = new Uint32Array(1);
  private readonly bitsF = new Float32Array(this.bits.buffer);

  constructor(readonly capacity: number) {
    this.ids = new Int32Array(capacity);
    this.logits = new Float32Array(capacity);
    this.probs = new Float32Array(capacity);
    this.aux = new Float32Array(capacity);
  }

  /** Loads a full logits row: candidate i is token i. */
  load(logits: ArrayLike<number>, n = logits.length): void {
    if (n > this.capacity)
      throw new RangeError(`logits row of ${n} exceeds candidate capacity ${this.capacity}`);
    for (let i = 0; i < n; i++) {
      this.ids[i] = i;
      this.logits[i] = logits[i]!;
    }
    this.size = n;
    this.sorted = false;
    this.selected = -1;
  }

  /** Sorts the live candidates by descending logit, ties by ascending id (in place, no allocation). */
  sortByLogit(): void {
    if (this.sorted) return;
    if (this.size > 2048 && this.capacity <= ID_LIMIT) this.keySort();
    else topKInPlace(this, this.size);
    this.sorted = true;
  }

  /**
   * Full sort of a large candidate set with the engine's native numeric sort: each candidate
   * becomes one float64 key = (descending order of its float32 logit) · 2^20 + id, exact below 2^53.
   */
  private keySort(): void {
    const n = this.size;
    this.keys ??= new Float64Array(this.capacity);
    this.byId ??= new Float32Array(this.capacity);
    const keys = this.keys.subarray(0, n);
    const { ids, logits, byId, bits, bitsF } = this;
    for (let i = 0; i < n; i++) {
      const id = ids[i]!;
      const l = logits[i]!;
      byId[id] = l;
      bitsF[0] = l === 0 ? 0 : l; // -0 ranks as 0
      const u = bits[0]!;
      // Order-preserving map of float bits to uint32, then reversed for descending logits.
      const ordered = u & 0x80000000 ? ~u >>> 0 : (u | 0x80000000) >>> 0;
      keys[i] = (0xffffffff - ordered) * ID_LIMIT + id;
    }
    keys.sort();
    for (let i = 0; i < n; i++) {
      const id = keys[i]! % ID_LIMIT;
      ids[i] = id;
      logits[i] = byId[id]!;
    }
  }

  /** Moves the k best candidates (by logit) to the front in sorted order. Other candidates keep
   *  their slots beyond k in unspecified order. O(n log k). */
  partialSort(k: number): void {
    if (this.sorted) return;
    topKInPlace(this, Math.min(k, this.size));
  }

  /** Sorts (if needed) and fills probs with the softmax of the live logits (llama_sampler_softmax_impl). */
  softmax(): void {
    this.sortByLogit();
    const n = this.size;
    if (n === 0) return;
    const max = this.logits[0]!;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const p = Math.exp(this.logits[i]! - max);
      this.probs[i] = p;
      sum += p;
    }
    for (let i = 0; i < n; i++) this.probs[i] = this.probs[i]! / sum;
  }

  swap(a: number, b: number): void {
    const { ids, logits, probs, aux } = this;
    let t = ids[a]!;
    ids[a] = ids[b]!;
    ids[b] = t;
    t = logits[a]!;
    logits[a] = logits[b]!;
    logits[b] = t;
    t = probs[a]!;
    probs[a] = probs[b]!;
    probs[b] = t;
    t = aux[a]!;
    aux[a] = aux[b]!;
    aux[b] = t;
  }
}

/** Ids must stay below this for the packed-key sort (2^20). */
const ID_LIMIT = 1048576;

/** True when candidate a ranks before b: higher logit, ties broken by lower id. */
function better(c: Candidates, a: number, b: number): boolean {
  const la = c.logits[a]!;
  const lb = c.logits[b]!;
  return la > lb || (la === lb && c.ids[a]! < c.ids[b]!);
}

// Min-heap (worst at the root) over positions [0, k): sift the element at i down.
function siftDown(c: Candidates, i: number, k: number): void {
  for (;;) {
    const l = 2 * i + 1;
    if (l >= k) return;
    let w = l;
    const r = l + 1;
    if (r < k && better(c, w, r)) w = r;
    if (better(c, i, w)) {
      c.swap(i, w);
      i = w;
    } else return;
  }
}

/** Puts the k best of c's live candidates at [0, k) in descending order. */
function topKInPlace(c: Candidates, k: number): void {
  const n = c.size;
  if (k <= 0) return;
  for (let i = (k >> 1) - 1; i >= 0; i--) siftDown(c, i, k);
  for (let i = k; i < n; i++) {
    if (better(c, i, 0)) {
      c.swap(i, 0);
      siftDown(c, 0, k);
    }
  }
  // Heap sort: repeatedly move the worst to the end of [0, end).
  for (let end = k - 1; end > 0; end--) {
    c.swap(0, end);
    siftDown(c, 0, end);
  }
}

function auxWorse(c: Candidates, a: number, b: number): boolean {
  const ka = c.aux[a]!;
  const kb = c.aux[b]!;
  return ka > kb || (ka === kb && c.ids[a]! > c.ids[b]!);
}

function auxSift(c: Candidates, i: number, end: number): void {
  for (;;) {
    const l = 2 * i + 1;
    if (l >= end) return;
    let w = l;
    if (l + 1 < end && auxWorse(c, l + 1, l)) w = l + 1;
    if (auxWorse(c, w, i)) {
      c.swap(i, w);
      i = w;
    } else return;
  }
}

/** Sorts the live candidates by ascending aux key (ties: lower id first), in place (heap sort). */
export function sortByAuxAscending(c: Candidates): void {
  const n = c.size;
  for (let i = (n >> 1) - 1; i >= 0; i--) auxSift(c, i, n);
  for (let end = n - 1; end > 0; end--) {
    c.swap(0, end);
    auxSift(c, 0, end);
  }
}
