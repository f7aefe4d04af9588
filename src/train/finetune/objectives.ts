// Fine-tuning objectives: supervised fine-tuning with an assistant-only loss over packed
// sequences, and DPO over preference pairs against precomputed reference log-probs.
import {
  crossEntropy,
  type DpoStats,
  dpoLoss,
  type Graph,
  type LossResult,
  type ParamStore,
  sequenceLogProbs,
} from '../../autograd/index.js';
import { UsageError } from '../../errors.js';
import { NETS, type NetConfig } from '../nets/index.js';
import type { Adapters } from '../nets/lora.js';
import type { Objective } from '../objective.js';
import { Rng, type RngState } from '../rng.js';
import type { TokenizedExample } from './datasets.js';

/** Packs examples into one token stream (order shuffled once by `seed`) with a loss mask. */
function pack(examples: readonly TokenizedExample[], seed: number): { ids: Int32Array; mask: Uint8Array } {
  const order = examples.map((_, i) => i);
  const rng = new Rng(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  let n = 0;
  for (const e of examples) n += e.ids.length;
  const ids = new Int32Array(n);
  const mask = new Uint8Array(n);
  let at = 0;
  for (const i of order) {
    const e = examples[i]!;
    ids.set(e.ids, at);
    mask.set(e.mask, at);
    at += e.ids.length;
  }
  return { ids, mask };
}

/** SFT: next-token loss on assistant tokens only, over packed windows of the example stream. */
export class SftObjective implements Objective {
  private readonly train: { ids: Int32Array; mask: Uint8Array };
  private readonly val: { ids: Int32Array; mask: Uint8Array };
  private cursor = 0;
  readonly tokensPerBatch: number;
  private readonly inputs: Int32Array;
  private readonly targets: Int32Array;

  constructor(
    private readonly net: NetConfig,
    trainEx: readonly TokenizedExample[],
    valEx: readonly TokenizedExample[],
    private readonly batch: number,
    private readonly block: number,
    seed: number,
  ) {
    this.train = pack(trainEx, seed);
    this.val = pack(valEx.length > 0 ? valEx : trainEx, seed + 1);
    if (this.train.ids.length < block + 1) {
      throw new UsageError(
        `the SFT data holds ${this.train.ids.length} tokens, fewer than one block of ${block + 1}`,
      );
    }
    this.tokensPerBatch = batch * block;
    this.inputs = new Int32Array(batch * block);
    this.targets = new Int32Array(batch * block);
  }

  /** Fills inputs/targets with `batch` windows starting at `start` (wrapping around). */
  private fill(src: { ids: Int32Array; mask: Uint8Array }, start: number): number {
    const { block } = this;
    const n = src.ids.length;
    let pos = start;
    for (let b = 0; b < this.batch; b++) {
      if (pos + block + 1 > n) pos = 0;
      for (let i = 0; i < block; i++) {
        this.inputs[b * block + i] = src.ids[pos + i]!;
        this.targets[b * block + i] = src.mask[pos + i + 1] === 1 ? src.ids[pos + i + 1]! : -1;
      }
      pos += block;
    }
    return pos;
  }

  loss(g: Graph, params: ParamStore, adapters: Adapters | undefined): LossResult {
    this.cursor = this.fill(this.train, this.cursor);
    const logits = NETS[this.net.arch].logits(
      g,
      params,
      this.net,
      this.inputs,
      this.batch,
      this.block,
      adapters,
    );
    return crossEntropy(g, logits, this.targets);
  }

  evaluate(g: Graph, params: ParamStore, adapters: Adapters | undefined, batches: number): number {
    let pos = 0;
    let sum = 0;
    let count = 0;
    for (let i = 0; i < batches; i++) {
      pos = this.fill(this.val, pos);
      g.reset();
      const r = g.noGrad(() =>
        crossEntropy(
          g,
          NETS[this.net.arch].logits(g, params, this.net, this.inputs, this.batch, this.block, adapters),
          this.targets,
        ),
      );
      if (r.count > 0) {
        sum += r.value * r.count;
        count += r.count;
      }
    }
    return count > 0 ? sum / count : Number.NaN;
  }

  state(): { cursor: number } {
    return { cursor: this.cursor };
  }

  restore(st: unknown): void {
    this.cursor = (st as { cursor: number }).cursor;
  }
}

export interface TokenizedPair {
  prompt: number[];
  chosen: number[];
  rejected: number[];
}

interface PairBatch {
  inputs: Int32Array;
  targets: Int32Array;
  rowSeq: Int32Array;
}

/** DPO with a frozen reference whose sequence log-probs are computed once, before training. */
export class DpoObjective implements Objective {
  readonly tokensPerBatch: number;
  private refTrain: Float64Array = new Float64Array(0);
  private refVal: Float64Array = new Float64Array(0);
  private rng: Rng;
  /** Stats of the last training micro-batch and of the last evaluation. */
  lastStats: DpoStats | undefined;
  lastEvalStats: DpoStats | undefined;

  constructor(
    private readonly net: NetConfig,
    private readonly train: readonly TokenizedPair[],
    private readonly val: readonly TokenizedPair[],
    private readonly pairsPerBatch: number,
    private readonly block: number,
    private readonly beta: number,
    seed: number,
  ) {
    if (train.length === 0) throw new UsageError('no preference pairs to train on');
    this.rng = new Rng(seed);
    this.tokensPerBatch = 2 * pairsPerBatch * block;
  }

  /** Sequences [prompt + response] truncated to the block (prompt cut from the left). */
  private batchOf(pairs: readonly TokenizedPair[]): PairBatch {
    const T = this.block;
    const rows = 2 * pairs.length;
    const inputs = new Int32Array(rows * T);
    const targets = new Int32Array(rows * T).fill(-1);
    const rowSeq = new Int32Array(rows * T).fill(-1);
    pairs.forEach((p, i) => {
      [p.chosen, p.rejected].forEach((resp, k) => {
        const s = 2 * i + k;
        const r = resp.slice(0, T);
        const keepPrompt = Math.max(1, Math.min(p.prompt.length, T + 1 - r.length));
        const seq = [...p.prompt.slice(p.prompt.length - keepPrompt), ...r].slice(0, T + 1);
        const respStart = keepPrompt; // index in seq of the first response token
        for (let t = 0; t + 1 < seq.length && t < T; t++) {
          inputs[s * T + t] = seq[t]!;
          if (t + 1 >= respStart) {
            targets[s * T + t] = seq[t + 1]!;
            rowSeq[s * T + t] = s;
          }
        }
      });
    });
    return { inputs, targets, rowSeq };
  }

  private logps(g: Graph, params: ParamStore, adapters: Adapters | undefined, b: PairBatch, nSeq: number) {
    const logits = NETS[this.net.arch].logits(g, params, this.net, b.inputs, nSeq, this.block, adapters);
    return sequenceLogProbs(g, logits, b.targets, b.rowSeq, nSeq);
  }

  private reference(
    g: Graph,
    params: ParamStore,
    adapters: Adapters | undefined,
    pairs: readonly TokenizedPair[],
  ): Float64Array {
    const out = new Float64Array(2 * pairs.length);
    for (let i = 0; i < pairs.length; i += this.pairsPerBatch) {
      const chunk = pairs.slice(i, i + this.pairsPerBatch);
      g.reset();
      const lp = g.noGrad(() => this.logps(g, params, adapters, this.batchOf(chunk), 2 * chunk.length));
      const host = new Float32Array(2 * chunk.length);
      g.backend.read(lp.data, host);
      out.set(host, 2 * i);
    }
    g.reset();
    return out;
  }

  /** Computes the reference log-probs with the current (initial) parameters. Call before training. */
  precomputeReference(g: Graph, params: ParamStore, adapters: Adapters | undefined): void {
    this.refTrain = this.reference(g, params, adapters, this.train);
    this.refVal = this.reference(g, params, adapters, this.val);
  }

  loss(g: Graph, params: ParamStore, adapters: Adapters | undefined): LossResult {
    const idx: number[] = [];
    for (let i = 0; i < this.pairsPerBatch; i++) idx.push(this.rng.int(this.train.length));
    const pairs = idx.map((i) => this.train[i]!);
    const ref = new Float64Array(2 * pairs.length);
    idx.forEach((i, k) => {
      ref[2 * k] = this.refTrain[2 * i]!;
      ref[2 * k + 1] = this.refTrain[2 * i + 1]!;
    });
    const lp = this.logps(g, params, adapters, this.batchOf(pairs), 2 * pairs.length);
    const r = dpoLoss(g, lp, ref, this.beta);
    this.lastStats = r.stats;
    return { loss: r.loss, value: r.stats.loss, count: pairs.length };
  }

  evaluate(g: Graph, params: ParamStore, adapters: Adapters | undefined): number {
    const pairs = this.val.length > 0 ? this.val : this.train;
    const refAll = this.val.length > 0 ? this.refVal : this.refTrain;
    let loss = 0;
    const acc = { loss: 0, chosenReward: 0, rejectedReward: 0, accuracy: 0, margin: 0 };
    let n = 0;
    for (let i = 0; i < pairs.length; i += this.pairsPerBatch) {
      const chunk = pairs.slice(i, i + this.pairsPerBatch);
      g.reset();
      const r = g.noGrad(() => {
        const lp = this.logps(g, params, adapters, this.batchOf(chunk), 2 * chunk.length);
        return dpoLoss(g, lp, refAll.subarray(2 * i, 2 * (i + chunk.length)), this.beta);
      });
      const w = chunk.length;
      loss += r.stats.loss * w;
      for (const k of Object.keys(acc) as (keyof DpoStats)[]) acc[k] += r.stats[k] * w;
      n += w;
    }
    for (const k of Object.keys(acc) as (keyof DpoStats)[]) acc[k] /= n;
    this.lastEvalStats = acc;
    return loss / n;
  }

  state(): { rng: RngState; refTrain: number[]; refVal: number[] } {
    return { rng: this.rng.state(), refTrain: [...this.refTrain], refVal: [...this.refVal] };
  }

  restore(st: unknown): void {
    const s = st as { rng: RngState; refTrain: number[]; refVal: number[] };
    this.rng = Rng.fromState(s.rng);
    this.refTrain = Float64Array.from(s.refTrain);
    this.refVal = Float64Array.from(s.refVal);
  }
}
