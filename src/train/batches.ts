// Batches of (input, target) windows from a token stream, nanoGPT style: random windows of
// T + 1 tokens drawn with a seeded RNG (its state is the data cursor saved in checkpoints), or
// sequential packed windows.
import { ShapeError } from '../errors.js';
import { Rng, type RngState } from './rng.js';

export type TokenArray = Uint16Array | Uint32Array | Int32Array;

export interface Batch {
  /** [B·T] input ids. */
  inputs: Int32Array;
  /** [B·T] next-token targets (−1 = ignored). */
  targets: Int32Array;
  batch: number;
  t: number;
}

export interface BatcherState {
  rng: RngState;
  /** Next start for sequential mode. */
  cursor: number;
}

export class Batcher {
  private rng: Rng;
  private cursor = 0;
  private readonly out: Batch;

  constructor(
    private readonly tokens: TokenArray,
    readonly batch: number,
    readonly t: number,
    seed: number,
    readonly sequential = false,
  ) {
    if (tokens.length < t + 1) {
      throw new ShapeError(`batches: ${tokens.length} tokens are fewer than one window of ${t + 1}`);
    }
    this.rng = new Rng(seed);
    this.out = { inputs: new Int32Array(batch * t), targets: new Int32Array(batch * t), batch, t };
  }

  /** The next batch; the returned arrays are reused by the following call. */
  next(): Batch {
    const { tokens, t } = this;
    const span = tokens.length - t - 1;
    for (let b = 0; b < this.batch; b++) {
      let start: number;
      if (this.sequential) {
        if (this.cursor > span) this.cursor = 0;
        start = this.cursor;
        this.cursor += t;
      } else {
        start = this.rng.int(span + 1);
      }
      for (let i = 0; i < t; i++) {
        this.out.inputs[b * t + i] = tokens[start + i]!;
        this.out.targets[b * t + i] = tokens[start + i + 1]!;
      }
    }
    return this.out;
  }

  state(): BatcherState {
    return { rng: this.rng.state(), cursor: this.cursor };
  }

  restore(st: BatcherState): void {
    this.rng = Rng.fromState(st.rng);
    this.cursor = st.cursor;
  }
}

/** Splits a token stream into train and validation parts (the last `valFraction` is validation). */
export function splitTokens(tokens: TokenArray, valFraction: number): { train: TokenArray; val: TokenArray } {
  const n = tokens.length;
  const cut = Math.floor(n * (1 - valFraction));
  return { train: tokens.subarray(0, cut), val: tokens.subarray(cut) };
}
