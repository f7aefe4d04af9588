// PPO for language models with TRL's PPOTrainer semantics and defaults: rollouts sampled from the
// policy, per-token KL penalty to a frozen reference (k1 estimator, kl_coef 0.05) with the score
// added at the last response token, GAE (γ 1, λ 0.95), whitened advantages, clipped policy
// objective (0.2) and clipped value loss (0.2, vf_coef 0.1), several PPO epochs per rollout batch.
// The value head sits on the policy's trunk (TRL's AutoModelForCausalLMWithValueHead).
// One Trainer step is one minibatch update; a new rollout batch is drawn when the current one has
// been used for ppoEpochs × miniBatches steps.
import {
  type Graph,
  type LossResult,
  linear,
  type ParamStore,
  type PpoStats,
  ppoLoss,
  tokenLogProbs,
  type Var,
} from '../../autograd/index.js';
import { UsageError } from '../../errors.js';
import { NETS, type NetConfig } from '../nets/index.js';
import type { Adapters } from '../nets/lora.js';
import type { Objective } from '../objective.js';
import { Rng, type RngState } from '../rng.js';
import { lmHead, valueHeadOf } from './heads.js';
import { type NetRef, padSequences, sampleResponses } from './rollout.js';

export interface PpoConfig {
  /** Prompts per rollout batch. */
  rolloutBatch: number;
  /** Minibatches per PPO epoch (TRL num_mini_batches 1). */
  miniBatches: number;
  /** Passes over each rollout batch (TRL num_ppo_epochs 4). */
  ppoEpochs: number;
  /** Response tokens at most (TRL response_length 53). */
  maxNew: number;
  /** Sampling temperature, also applied to the log-probs (TRL 0.7). */
  temperature: number;
  klCoef: number;
  gamma: number;
  lam: number;
  clip: number;
  clipValue: number;
  vfCoef: number;
  /** Whiten the per-token rewards before GAE (TRL whiten_rewards false). */
  whitenRewards: boolean;
  /** Subtracted from the score of responses that do not end with a stop token (TRL: none). */
  missingEosPenalty?: number | undefined;
}

export const PPO_DEFAULTS: PpoConfig = {
  rolloutBatch: 16,
  miniBatches: 1,
  ppoEpochs: 4,
  maxNew: 53,
  temperature: 0.7,
  klCoef: 0.05,
  gamma: 1,
  lam: 0.95,
  clip: 0.2,
  clipValue: 0.2,
  vfCoef: 0.1,
  whitenRewards: false,
};

/** Scores a batch of responses (a reward model or a programmatic reward). */
export type Scorer = (g: Graph, prompts: number[][], responses: number[][]) => Float64Array;

interface Rollout {
  prompt: number[];
  response: number[];
  logp: Float64Array;
  values: Float64Array;
  advantages: Float64Array;
  returns: Float64Array;
}

export interface PpoRolloutStats {
  /** Mean score of the batch's responses. */
  reward: number;
  /** Mean over responses of Σ_t (log π − log π_ref) (TRL objective/kl). */
  kl: number;
  /** Mean over responses of Σ_t −kl_coef·kl. */
  nonScoreReward: number;
  responseLength: number;
}

/** Masked whitening (TRL masked_whiten, shift_mean): (x − mean)/√(unbiased var + 1e-8). */
export function whiten(xs: Float64Array[]): void {
  let n = 0;
  let sum = 0;
  for (const x of xs) {
    for (const v of x) sum += v;
    n += x.length;
  }
  if (n < 2) return;
  const mean = sum / n;
  let sq = 0;
  for (const x of xs) for (const v of x) sq += (v - mean) ** 2;
  const inv = 1 / Math.sqrt((sq / n) * (n / (n - 1)) + 1e-8);
  for (const x of xs) for (let i = 0; i < x.length; i++) x[i] = (x[i]! - mean) * inv;
}

/** GAE over one response: advantages and returns (= advantages + values). */
export function gae(
  rewards: Float64Array,
  values: Float64Array,
  gamma: number,
  lam: number,
): { advantages: Float64Array; returns: Float64Array } {
  const n = rewards.length;
  const advantages = new Float64Array(n);
  let last = 0;
  for (let t = n - 1; t >= 0; t--) {
    const next = t < n - 1 ? values[t + 1]! : 0;
    const delta = rewards[t]! + gamma * next - values[t]!;
    last = delta + gamma * lam * last;
    advantages[t] = last;
  }
  return { advantages, returns: advantages.map((a, t) => a + values[t]!) };
}

interface Rows {
  logp: Var; // [S·L]
  values: Var | undefined; // [S·L, 1]
  /** Row of response token i of sequence s: rowOf[s][i]. */
  rowOf: number[][];
  size: number;
}

/** Log-probs of each response token (and the values before it) in one padded forward. */
function forwardRows(
  g: Graph,
  m: NetRef,
  items: readonly { prompt: number[]; response: number[] }[],
  temperature: number,
  withValues: boolean,
): Rows {
  const seqs = items.map((r) => [...r.prompt, ...r.response]);
  const pad = padSequences(seqs);
  const targets = new Int32Array(pad.batch * pad.len).fill(-1);
  const rowOf = items.map((r, s) =>
    r.response.map((tok, i) => {
      const row = s * pad.len + r.prompt.length + i - 1;
      targets[row] = tok;
      return row;
    }),
  );
  const h = NETS[m.net.arch].hidden(g, m.params, m.net, pad.inputs, pad.batch, pad.len, m.adapters); // [S·L, D]
  const logits = linear(g, h, lmHead(m.params, m.net)); // [S·L, V]
  const logp = tokenLogProbs(g, logits, targets, temperature);
  return {
    logp,
    values: withValues ? valueHeadOf(g, m.params, h) : undefined,
    rowOf,
    size: pad.batch * pad.len,
  };
}

export class PpoObjective implements Objective {
  readonly tokensPerBatch: number;
  private rng: Rng;
  private reference: NetRef | undefined;
  private buffer: Rollout[] = [];
  private order: number[] = [];
  private cursor = 0;
  lastRollout: PpoRolloutStats | undefined;
  lastStats: PpoStats | undefined;
  lastEval: PpoRolloutStats | undefined;

  constructor(
    private readonly net: NetConfig,
    private readonly train: readonly number[][],
    private readonly val: readonly number[][],
    private readonly cfg: PpoConfig,
    private readonly scorer: Scorer,
    private readonly stop: ReadonlySet<number>,
    private readonly seed: number,
  ) {
    if (train.length === 0) throw new UsageError('no prompts to run PPO on');
    const maxPrompt = net.contextLength - cfg.maxNew;
    if (maxPrompt < 1)
      throw new UsageError(
        `--max-new ${cfg.maxNew} leaves no room for a prompt in the context ${net.contextLength}`,
      );
    for (const p of [...train, ...val]) {
      if (p.length === 0) throw new UsageError('an empty prompt');
      if (p.length > maxPrompt) p.splice(0, p.length - maxPrompt); // keep the prompt's end
    }
    for (const [k, v] of Object.entries(cfg)) {
      if (typeof v === 'number' && !Number.isFinite(v)) throw new UsageError(`PPO ${k} must be finite`);
    }
    if (
      cfg.rolloutBatch < 1 ||
      cfg.miniBatches < 1 ||
      cfg.miniBatches > cfg.rolloutBatch ||
      cfg.ppoEpochs < 1
    )
      throw new UsageError('PPO needs rolloutBatch ≥ miniBatches ≥ 1 and ppoEpochs ≥ 1');
    if (!(cfg.temperature > 0))
      throw new UsageError('PPO temperature must be > 0', { field: '--temperature' });
    this.rng = new Rng(seed);
    let longest = 0;
    for (const p of train) longest = Math.max(longest, p.length);
    // Upper bound of the tokens one minibatch update processes (padded prompt + response).
    this.tokensPerBatch = Math.ceil(cfg.rolloutBatch / cfg.miniBatches) * (longest + cfg.maxNew);
  }

  /** The frozen reference policy (the base model). Call before training. */
  setReference(ref: NetRef): void {
    this.reference = ref;
  }

  private policy(params: ParamStore, adapters: Adapters | undefined): NetRef {
    return { net: this.net, params, adapters };
  }

  /** Samples, scores and evaluates a rollout batch; returns per-response token stats. */
  private collect(
    g: Graph,
    pol: NetRef,
    prompts: number[][],
    rng: Rng,
  ): { rollouts: Rollout[]; stats: PpoRolloutStats; kl: Float64Array[]; scores: Float64Array } {
    const ref = this.reference;
    if (ref === undefined) throw new UsageError('PPO: the reference model is not set');
    const c = this.cfg;
    const responses = sampleResponses(g, pol, prompts, {
      maxNew: c.maxNew,
      temperature: c.temperature,
      stop: this.stop,
      rng,
    });
    const scores = this.scorer(g, prompts, responses);
    if (c.missingEosPenalty !== undefined) {
      responses.forEach((r, i) => {
        if (!this.stop.has(r[r.length - 1]!)) scores[i]! -= c.missingEosPenalty!;
      });
    }
    const items = prompts.map((prompt, i) => ({ prompt, response: responses[i]! }));
    const rollouts: Rollout[] = [];
    const kls: Float64Array[] = [];
    const chunk = Math.max(1, Math.ceil(c.rolloutBatch / c.miniBatches));
    for (let i = 0; i < items.length; i += chunk) {
      const part = items.slice(i, i + chunk);
      g.reset();
      const p = g.noGrad(() => forwardRows(g, pol, part, c.temperature, true));
      const pv = new Float32Array(p.size);
      g.backend.read(p.values!.data, pv);
      const pl = new Float32Array(p.size);
      g.backend.read(p.logp.data, pl);
      g.reset();
      const r = g.noGrad(() => forwardRows(g, ref, part, c.temperature, false));
      const rl = new Float32Array(r.size);
      g.backend.read(r.logp.data, rl);
      part.forEach((it, s) => {
        const rows = p.rowOf[s]!;
        const logp = Float64Array.from(rows, (row) => pl[row]!);
        const values = Float64Array.from(rows, (row) => pv[row]!);
        const kl = Float64Array.from(rows, (row) => pl[row]! - rl[row]!);
        kls.push(kl);
        rollouts.push({ ...it, logp, values, advantages: new Float64Array(0), returns: new Float64Array(0) });
      });
    }
    g.reset();
    let klSum = 0;
    let len = 0;
    for (const kl of kls) {
      for (const v of kl) klSum += v;
      len += kl.length;
    }
    const n = prompts.length;
    let reward = 0;
    for (const s of scores) reward += s;
    return {
      rollouts,
      kl: kls,
      scores,
      stats: {
        reward: reward / n,
        kl: klSum / n,
        nonScoreReward: (-c.klCoef * klSum) / n,
        responseLength: len / n,
      },
    };
  }

  private rollout(g: Graph, params: ParamStore, adapters: Adapters | undefined): void {
    const c = this.cfg;
    const prompts: number[][] = [];
    for (let i = 0; i < c.rolloutBatch; i++) prompts.push(this.train[this.rng.int(this.train.length)]!);
    const { rollouts, stats, kl, scores } = this.collect(g, this.policy(params, adapters), prompts, this.rng);
    // Per-token rewards: −kl_coef·KL, plus the score at the last response token.
    const rewards = rollouts.map((r, i) => {
      const rw = kl[i]!.map((v) => -c.klCoef * v);
      rw[r.response.length - 1]! += scores[i]!;
      return rw;
    });
    if (c.whitenRewards) whiten(rewards);
    rollouts.forEach((r, i) => {
      const { advantages, returns } = gae(rewards[i]!, r.values, c.gamma, c.lam);
      r.advantages = advantages;
      r.returns = returns;
    });
    whiten(rollouts.map((r) => r.advantages));
    this.buffer = rollouts;
    this.cursor = 0;
    this.lastRollout = stats;
  }

  loss(g: Graph, params: ParamStore, adapters: Adapters | undefined): LossResult {
    const c = this.cfg;
    const steps = c.ppoEpochs * c.miniBatches;
    if (this.buffer.length === 0 || this.cursor >= steps) {
      this.rollout(g, params, adapters);
      g.reset();
    }
    const mb = this.cursor % c.miniBatches;
    if (mb === 0) {
      // A new epoch: shuffle the rollouts into minibatches.
      this.order = this.buffer.map((_, i) => i);
      for (let i = this.order.length - 1; i > 0; i--) {
        const j = this.rng.int(i + 1);
        [this.order[i], this.order[j]] = [this.order[j]!, this.order[i]!];
      }
    }
    this.cursor++;
    const size = Math.ceil(this.buffer.length / c.miniBatches);
    const part = this.order.slice(mb * size, (mb + 1) * size).map((i) => this.buffer[i]!);
    const f = forwardRows(g, this.policy(params, adapters), part, c.temperature, true);
    const n = f.size;
    const batch = {
      oldLogProbs: new Float64Array(n),
      oldValues: new Float64Array(n),
      advantages: new Float64Array(n),
      returns: new Float64Array(n),
      mask: new Float64Array(n),
    };
    part.forEach((r, s) => {
      f.rowOf[s]!.forEach((row, i) => {
        batch.oldLogProbs[row] = r.logp[i]!;
        batch.oldValues[row] = r.values[i]!;
        batch.advantages[row] = r.advantages[i]!;
        batch.returns[row] = r.returns[i]!;
        batch.mask[row] = 1;
      });
    });
    const res = ppoLoss(g, f.logp, f.values!, batch, c);
    this.lastStats = res.stats;
    return { loss: res.loss, value: res.stats.loss, count: part.length };
  }

  /** Samples responses to the held-out prompts with a fixed seed; returns −(mean score). */
  evaluate(g: Graph, params: ParamStore, adapters: Adapters | undefined): number {
    const prompts = (this.val.length > 0 ? this.val : this.train).slice(0, this.cfg.rolloutBatch);
    const { stats } = this.collect(g, this.policy(params, adapters), [...prompts], new Rng(this.seed + 7));
    this.lastEval = stats;
    return -stats.reward;
  }

  state(): { rng: RngState } {
    return { rng: this.rng.state() };
  }

  /** Restores the sampling stream; the rollout buffer is drawn afresh. */
  restore(st: unknown): void {
    this.rng = Rng.fromState((st as { rng: RngState }).rng);
    this.buffer = [];
  }
}
