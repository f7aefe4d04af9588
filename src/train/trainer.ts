// The training loop core: forward, backward, gradient accumulation, clipping, AdamW with the
// warm-up + cosine schedule, NaN/Inf containment, evaluation. Node-free; the CLI and checkpoint
// code drive it.

import { Graph, ParamStore } from '../autograd/index.js';
import type { Backend } from '../backend/backend.js';
import { LlmtsError } from '../errors.js';
import { AdamW, type AdamWConfig } from './adamw.js';
import type { TokenArray } from './batches.js';
import { NETS, type NetConfig } from './nets/index.js';
import type { Adapters } from './nets/lora.js';
import { LmObjective, type Objective } from './objective.js';
import { Rng } from './rng.js';
import { learningRate, type ScheduleConfig } from './schedule.js';

export interface TrainConfig {
  net: NetConfig;
  /** Sequences per micro-batch and tokens per sequence. */
  batchSize: number;
  blockSize: number;
  /** Micro-batches per optimiser step. */
  gradAccum: number;
  maxSteps: number;
  schedule: ScheduleConfig;
  optim: AdamWConfig;
  evalEvery: number;
  evalBatches: number;
  seed: number;
  /** Abort after this many consecutive non-finite steps. */
  maxBadSteps: number;
}

export interface StepLog {
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
  tokens: number;
  ms: number;
  skipped?: string;
  spike?: boolean;
}

export interface TrainerState {
  step: number;
  optimStep: number;
  train: unknown;
  badSteps: number;
  lossMean: number;
  lossVar: number;
}

export class TrainingAbortedError extends LlmtsError {
  constructor(message: string) {
    super('training', message);
  }
}

/** How a run builds its parameters (default: fresh initialisation) and what it optimises. */
export interface TrainerSetup {
  /** Creates the parameters (load a base, freeze it, add adapters...); returns the adapters. */
  init?(params: ParamStore, rng: Rng): Adapters | undefined;
  objective?: Objective;
}

export class Trainer {
  readonly params: ParamStore;
  readonly optim: AdamW;
  readonly graph: Graph;
  readonly adapters: Adapters | undefined;
  readonly objective: Objective;
  step = 0;
  private badSteps = 0;
  private lossMean = 0;
  private lossVar = 0;
  /** Test hook: makes the next step's loss NaN (NaN-injection test). */
  injectNaN = false;

  constructor(
    readonly backend: Backend,
    readonly config: TrainConfig,
    trainTokens: TokenArray | undefined,
    valTokens: TokenArray | undefined,
    setup: TrainerSetup = {},
  ) {
    NETS[config.net.arch].validate(config.net);
    this.params = new ParamStore(backend);
    const rng = new Rng(config.seed);
    if (setup.init !== undefined) this.adapters = setup.init(this.params, rng);
    else NETS[config.net.arch].init(this.params, config.net, rng);
    this.optim = new AdamW(backend, this.params, config.optim);
    this.graph = new Graph(backend);
    if (setup.objective !== undefined) this.objective = setup.objective;
    else {
      if (trainTokens === undefined || valTokens === undefined)
        throw new LlmtsError('training', 'no training data');
      this.objective = new LmObjective(
        config.net,
        trainTokens,
        valTokens,
        config.batchSize,
        config.blockSize,
        config.seed,
      );
    }
  }

  /** One optimiser step (gradAccum micro-batches). */
  trainStep(): StepLog {
    const t0 = performance.now();
    const c = this.config;
    const lr = learningRate(this.step, c.schedule);
    this.params.zeroGrad();
    let lossSum = 0;
    for (let micro = 0; micro < c.gradAccum; micro++) {
      this.graph.reset();
      const res = this.objective.loss(this.graph, this.params, this.adapters);
      let value = res.value;
      if (this.injectNaN) {
        value = Number.NaN;
        this.injectNaN = false;
      }
      lossSum += value;
      if (Number.isFinite(value)) this.graph.backward(res.loss);
    }
    const loss = lossSum / c.gradAccum;
    const log: StepLog = {
      step: this.step,
      loss,
      lr,
      gradNorm: 0,
      tokens: this.objective.tokensPerBatch * c.gradAccum,
      ms: 0,
    };
    if (!Number.isFinite(loss)) {
      log.skipped = 'non-finite loss';
    } else {
      const rep = this.optim.update(lr, 1 / c.gradAccum);
      log.gradNorm = rep.gradNorm;
      if (!rep.applied) log.skipped = 'non-finite gradient';
    }
    if (log.skipped !== undefined) {
      this.badSteps++;
      if (this.badSteps >= c.maxBadSteps) {
        throw new TrainingAbortedError(
          `training aborted: ${this.badSteps} consecutive steps with ${log.skipped} (step ${this.step})`,
        );
      }
    } else {
      this.badSteps = 0;
      // Loss spike detection: z-score against an exponential moving mean/variance.
      if (this.step > 20) {
        const z = (loss - this.lossMean) / Math.sqrt(this.lossVar + 1e-12);
        if (z > 6) log.spike = true;
      }
      const a = this.step === 0 ? 1 : 0.05;
      const d = loss - this.lossMean;
      this.lossMean += a * d;
      this.lossVar = (1 - a) * (this.lossVar + a * d * d);
    }
    this.step++;
    log.ms = performance.now() - t0;
    return log;
  }

  /** Mean validation loss over `evalBatches` batches drawn with a fixed seed (same every call). */
  evaluate(): number {
    const v = this.objective.evaluate(this.graph, this.params, this.adapters, this.config.evalBatches);
    this.graph.reset();
    return v;
  }

  state(): TrainerState {
    return {
      step: this.step,
      optimStep: this.optim.step,
      train: this.objective.state(),
      badSteps: this.badSteps,
      lossMean: this.lossMean,
      lossVar: this.lossVar,
    };
  }

  restore(st: TrainerState): void {
    this.step = st.step;
    this.optim.step = st.optimStep;
    this.objective.restore(st.train);
    this.badSteps = st.badSteps;
    this.lossMean = st.lossMean;
    this.lossVar = st.lossVar;
  }

  dispose(): void {
    this.graph.dispose();
    this.optim.dispose();
    this.params.dispose();
  }
}
