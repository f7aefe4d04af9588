// Reward modelling (TRL RewardTrainer): the net's final hidden state at the last token of
// prompt + response goes through a scalar head; preference pairs train it with the
// Bradley–Terry loss −log σ(r_chosen − r_rejected).
import {
  type BradleyTerryStats,
  bradleyTerryLoss,
  embedding,
  type Graph,
  type LossResult,
  type ParamStore,
  type Var,
} from '../../autograd/index.js';
import { UsageError } from '../../errors.js';
import type { TokenizedPair } from '../finetune/objectives.js';
import { NETS, type NetConfig } from '../nets/index.js';
import type { Adapters } from '../nets/lora.js';
import type { Objective } from '../objective.js';
import { Rng, type RngState } from '../rng.js';
import { scoreHeadOf } from './heads.js';
import { joinTruncated, lastRows, type NetRef, padSequences } from './rollout.js';

/** Rewards [S, 1] of whole sequences: the score head on each one's last hidden state. */
export function sequenceRewards(g: Graph, m: NetRef, seqs: readonly (readonly number[])[]): Var {
  const pad = padSequences(seqs);
  const h = NETS[m.net.arch].hidden(g, m.params, m.net, pad.inputs, pad.batch, pad.len, m.adapters); // [S·L, D]
  const last = embedding(g, h, lastRows(seqs, pad.len), [seqs.length]); // [S, D]
  return scoreHeadOf(g, m.params, last); // [S, 1]
}

/** Scores prompt + response pairs with a reward model (no gradient), `block` tokens at most each. */
export function scoreWithRewardModel(
  g: Graph,
  m: NetRef,
  prompts: readonly (readonly number[])[],
  responses: readonly (readonly number[])[],
  block: number,
  chunk = 8,
): Float64Array {
  const out = new Float64Array(prompts.length);
  const host = new Float32Array(chunk);
  for (let i = 0; i < prompts.length; i += chunk) {
    const seqs = prompts.slice(i, i + chunk).map((p, k) => joinTruncated(p, responses[i + k]!, block));
    g.reset();
    const r = g.noGrad(() => sequenceRewards(g, m, seqs));
    g.backend.read(r.data, host.subarray(0, seqs.length));
    for (let k = 0; k < seqs.length; k++) out[i + k] = host[k]!;
  }
  g.reset();
  return out;
}

/** Bradley–Terry training on preference pairs; evaluation reports held-out pair accuracy. */
export class RewardObjective implements Objective {
  readonly tokensPerBatch: number;
  private rng: Rng;
  lastStats: BradleyTerryStats | undefined;
  lastEvalStats: BradleyTerryStats | undefined;

  constructor(
    private readonly net: NetConfig,
    private readonly train: readonly TokenizedPair[],
    private readonly val: readonly TokenizedPair[],
    private readonly pairsPerBatch: number,
    private readonly block: number,
    seed: number,
  ) {
    if (train.length === 0) throw new UsageError('no preference pairs to train the reward model on');
    if (block < 2 || block > net.contextLength)
      throw new UsageError(`block size ${block} must be 2..${net.contextLength}`, { field: '--block-size' });
    this.rng = new Rng(seed);
    this.tokensPerBatch = 2 * pairsPerBatch * block;
  }

  private rewards(
    g: Graph,
    params: ParamStore,
    adapters: Adapters | undefined,
    pairs: readonly TokenizedPair[],
  ): Var {
    const seqs: number[][] = [];
    for (const p of pairs) {
      seqs.push(joinTruncated(p.prompt, p.chosen, this.block));
      seqs.push(joinTruncated(p.prompt, p.rejected, this.block));
    }
    return sequenceRewards(g, { net: this.net, params, adapters }, seqs);
  }

  loss(g: Graph, params: ParamStore, adapters: Adapters | undefined): LossResult {
    const pairs: TokenizedPair[] = [];
    for (let i = 0; i < this.pairsPerBatch; i++) pairs.push(this.train[this.rng.int(this.train.length)]!);
    const r = bradleyTerryLoss(g, this.rewards(g, params, adapters, pairs));
    this.lastStats = r.stats;
    return { loss: r.loss, value: r.stats.loss, count: pairs.length };
  }

  /** Mean loss over all held-out pairs (the training pairs when there are none). */
  evaluate(g: Graph, params: ParamStore, adapters: Adapters | undefined): number {
    const pairs = this.val.length > 0 ? this.val : this.train;
    const acc: BradleyTerryStats = { loss: 0, accuracy: 0, chosen: 0, rejected: 0, margin: 0 };
    for (let i = 0; i < pairs.length; i += this.pairsPerBatch) {
      const chunk = pairs.slice(i, i + this.pairsPerBatch);
      g.reset();
      const s = g.noGrad(() => bradleyTerryLoss(g, this.rewards(g, params, adapters, chunk)).stats);
      for (const k of Object.keys(acc) as (keyof BradleyTerryStats)[]) acc[k] += s[k] * chunk.length;
    }
    for (const k of Object.keys(acc) as (keyof BradleyTerryStats)[]) acc[k] /= pairs.length;
    g.reset();
    this.lastEvalStats = acc;
    return acc.loss;
  }

  state(): { rng: RngState } {
    return { rng: this.rng.state() };
  }

  restore(st: unknown): void {
    this.rng = Rng.fromState((st as { rng: RngState }).rng);
  }
}
