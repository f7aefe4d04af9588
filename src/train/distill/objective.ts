// Knowledge distillation: a student trained on a teacher's softened distribution,
// loss = α·T²·KL(p_teacher^T ‖ p_student^T) + (1 − α)·CE(student, labels), over packed windows of
// tokenized examples (labels only where the example's mask is 1, as in SFT).
import {
  type DistillStats,
  distillLoss,
  Graph,
  type LossResult,
  type ParamStore,
} from '../../autograd/index.js';
import type { Backend } from '../../backend/backend.js';
import { UsageError } from '../../errors.js';
import type { TokenizedExample } from '../finetune/datasets.js';
import { NETS, type NetConfig } from '../nets/index.js';
import type { Adapters } from '../nets/lora.js';
import type { Objective } from '../objective.js';
import { Rng } from '../rng.js';

/** Next-token logits of a teacher model for a batch of windows. */
export interface Teacher {
  readonly vocabSize: number;
  /** Logits [batch·t, V] of inputs [batch·t]. */
  logits(inputs: Int32Array, batch: number, t: number): Float32Array;
  dispose(): void;
}

/** A teacher run by the trainable net code on its own graph (parameters frozen). */
export function netTeacher(backend: Backend, net: NetConfig, params: ParamStore): Teacher {
  const g = new Graph(backend);
  return {
    vocabSize: net.vocabSize,
    logits(inputs, batch, t) {
      g.reset();
      const l = g.noGrad(() => NETS[net.arch].logits(g, params, net, inputs, batch, t));
      const out = new Float32Array(batch * t * net.vocabSize);
      backend.read(l.data, out);
      return out;
    },
    dispose() {
      g.dispose();
    },
  };
}

export interface DistillConfig {
  /** Softening temperature T (default 2). */
  temperature: number;
  /** Weight α of the distillation term (default 0.5); 1 − α goes to the label loss. */
  alpha: number;
}

export const DISTILL_DEFAULTS: DistillConfig = { temperature: 2, alpha: 0.5 };

interface Stream {
  ids: Int32Array;
  mask: Uint8Array;
}

function pack(examples: readonly TokenizedExample[], seed: number): Stream {
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
    ids.set(examples[i]!.ids, at);
    mask.set(examples[i]!.mask, at);
    at += examples[i]!.ids.length;
  }
  return { ids, mask };
}

export class DistillObjective implements Objective {
  private readonly train: Stream;
  private readonly val: Stream;
  private cursor = 0;
  readonly tokensPerBatch: number;
  private readonly inputs: Int32Array;
  private readonly targets: Int32Array;
  lastStats: DistillStats | undefined;
  /** Held-out stats at the run's T and α, and the plain KL(teacher ‖ student) at T = 1. */
  lastEval: (DistillStats & { kl1: number }) | undefined;

  constructor(
    private readonly net: NetConfig,
    trainEx: readonly TokenizedExample[],
    valEx: readonly TokenizedExample[],
    private readonly batch: number,
    private readonly block: number,
    seed: number,
    private readonly teacher: Teacher,
    private readonly cfg: DistillConfig,
  ) {
    if (teacher.vocabSize !== net.vocabSize) {
      throw new UsageError(
        `the teacher's vocabulary (${teacher.vocabSize} tokens) differs from the student's (${net.vocabSize}); distillation needs the same tokenizer`,
        { field: '--teacher' },
      );
    }
    if (!(cfg.temperature > 0 && cfg.temperature <= 100))
      throw new UsageError(`--temperature must be in (0, 100], got ${cfg.temperature}`, {
        field: '--temperature',
      });
    if (!(cfg.alpha >= 0 && cfg.alpha <= 1))
      throw new UsageError(`--alpha must be in [0, 1], got ${cfg.alpha}`, { field: '--alpha' });
    this.train = pack(trainEx, seed);
    this.val = pack(valEx.length > 0 ? valEx : trainEx, seed + 1);
    if (this.train.ids.length < block + 1)
      throw new UsageError(
        `the data holds ${this.train.ids.length} tokens, fewer than one block of ${block + 1}`,
      );
    this.tokensPerBatch = batch * block;
    this.inputs = new Int32Array(batch * block);
    this.targets = new Int32Array(batch * block);
  }

  private fill(src: Stream, start: number): number {
    const { block } = this;
    let pos = start;
    for (let b = 0; b < this.batch; b++) {
      if (pos + block + 1 > src.ids.length) pos = 0;
      for (let i = 0; i < block; i++) {
        this.inputs[b * block + i] = src.ids[pos + i]!;
        this.targets[b * block + i] = src.mask[pos + i + 1] === 1 ? src.ids[pos + i + 1]! : -1;
      }
      pos += block;
    }
    return pos;
  }

  private step(g: Graph, params: ParamStore, adapters: Adapters | undefined) {
    const teacher = this.teacher.logits(this.inputs, this.batch, this.block);
    const logits = NETS[this.net.arch].logits(
      g,
      params,
      this.net,
      this.inputs,
      this.batch,
      this.block,
      adapters,
    );
    return {
      logits,
      teacher,
      r: distillLoss(g, logits, teacher, this.targets, this.cfg.temperature, this.cfg.alpha),
    };
  }

  loss(g: Graph, params: ParamStore, adapters: Adapters | undefined): LossResult {
    this.cursor = this.fill(this.train, this.cursor);
    const { r } = this.step(g, params, adapters);
    this.lastStats = r.stats;
    return { loss: r.loss, value: r.stats.loss, count: r.stats.count };
  }

  evaluate(g: Graph, params: ParamStore, adapters: Adapters | undefined, batches: number): number {
    let pos = 0;
    const acc = { loss: 0, kl: 0, ce: 0, count: 0, kl1: 0 };
    for (let i = 0; i < batches; i++) {
      pos = this.fill(this.val, pos);
      g.reset();
      g.noGrad(() => {
        const { logits, teacher, r } = this.step(g, params, adapters);
        const plain = distillLoss(g, logits, teacher, this.targets, 1, 1).stats;
        const n = r.stats.count;
        acc.loss += r.stats.loss * n;
        acc.kl += r.stats.kl * n;
        acc.ce += r.stats.ce * n;
        acc.kl1 += plain.kl * n;
        acc.count += n;
      });
    }
    g.reset();
    const n = Math.max(1, acc.count);
    this.lastEval = {
      loss: acc.loss / n,
      kl: acc.kl / n,
      ce: acc.ce / n,
      kl1: acc.kl1 / n,
      count: acc.count,
    };
    return acc.count > 0 ? acc.loss / n : Number.NaN;
  }

  state(): { cursor: number } {
    return { cursor: this.cursor };
  }

  restore(st: unknown): void {
    this.cursor = (st as { cursor: number }).cursor;
  }
}
