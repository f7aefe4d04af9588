// Training objectives: small objects that build the loss of the next micro-batch. The causal-LM
// objective (pretraining) draws random windows from a token stream; fine-tuning methods (SFT,
// DPO, ...) provide their own.
import type { Graph, LossResult, ParamStore } from '../autograd/index.js';
import { Batcher, type BatcherState, type TokenArray } from './batches.js';
import { type NetConfig, netLoss } from './nets/index.js';
import type { Adapters } from './nets/lora.js';

export interface Objective {
  /** Tokens processed per micro-batch (for throughput). */
  readonly tokensPerBatch: number;
  /** Builds the next micro-batch's graph and returns its loss. */
  loss(g: Graph, params: ParamStore, adapters: Adapters | undefined): LossResult;
  /** Mean validation loss over a fixed set of batches (no gradient). */
  evaluate(g: Graph, params: ParamStore, adapters: Adapters | undefined, batches: number): number;
  /** Data cursor for checkpoints. */
  state(): unknown;
  restore(st: unknown): void;
}

/** Next-token prediction on random windows of a token stream. */
export class LmObjective implements Objective {
  private readonly train: Batcher;
  readonly tokensPerBatch: number;

  constructor(
    private readonly net: NetConfig,
    trainTokens: TokenArray,
    private readonly val: TokenArray,
    private readonly batch: number,
    private readonly block: number,
    private readonly seed: number,
  ) {
    this.train = new Batcher(trainTokens, batch, block, seed + 1);
    this.tokensPerBatch = batch * block;
  }

  loss(g: Graph, params: ParamStore, adapters: Adapters | undefined): LossResult {
    const b = this.train.next();
    return netLoss(g, params, this.net, b.inputs, b.targets, b.batch, b.t, adapters);
  }

  evaluate(g: Graph, params: ParamStore, adapters: Adapters | undefined, batches: number): number {
    const batcher = new Batcher(this.val, this.batch, this.block, this.seed + 2);
    let sum = 0;
    for (let i = 0; i < batches; i++) {
      const b = batcher.next();
      g.reset();
      sum += g.noGrad(() => netLoss(g, params, this.net, b.inputs, b.targets, b.batch, b.t, adapters).value);
    }
    return sum / batches;
  }

  state(): BatcherState {
    return this.train.state();
  }

  restore(st: unknown): void {
    this.train.restore(st as BatcherState);
  }
}
