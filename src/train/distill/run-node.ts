// `llmts finetune --method distill --teacher MODEL` (Node-only): a student (the base model, full
// or LoRA) trained on SFT-format data against a teacher's softened next-token distribution.
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ParamStore } from '../../autograd/index.js';
import type { Backend } from '../../backend/backend.js';
import { UsageError } from '../../errors.js';
import { loadBaseModel } from '../finetune/base-node.js';
import { parseSftRecords, tokenizeConversation } from '../finetune/datasets.js';
import { shapeOfParam } from '../finetune/shapes.js';
import {
  type AlignOptions,
  baseInit,
  blockOf,
  readJsonData,
  renderContext,
  split,
  trainConfig,
} from '../rlhf/common-node.js';
import { startRun } from '../rlhf/run-node.js';
import type { TrainingRun } from '../run-node.js';
import { Trainer } from '../trainer.js';
import { DISTILL_DEFAULTS, DistillObjective, netTeacher } from './objective.js';

export function distillRun(
  backend: Backend,
  o: AlignOptions,
  resume: boolean,
): TrainingRun & { release(): void } {
  if (o.teacher === undefined)
    throw new UsageError('distillation needs --teacher MODEL', { field: '--teacher' });
  const out = resolve(o.out);
  if (!resume && existsSync(join(out, 'latest.json')))
    throw new UsageError(`${out} already holds a run; use --resume ${o.out}`, { field: '--out' });
  mkdirSync(out, { recursive: true });
  const base = loadBaseModel(o.base);
  const teacherModel = loadBaseModel(o.teacher);
  const st = base.tokenizer;
  const tt = teacherModel.tokenizer;
  if (teacherModel.net.vocabSize !== base.net.vocabSize) {
    throw new UsageError(
      `the teacher's vocabulary (${teacherModel.net.vocabSize} tokens) differs from the student's (${base.net.vocabSize}); distillation needs the same tokenizer`,
      { field: '--teacher' },
    );
  }
  if (st !== undefined && tt !== undefined) {
    for (let id = 0; id < Math.min(st.vocabSize, tt.vocabSize); id++) {
      if (st.idToToken(id) !== tt.idToToken(id)) {
        throw new UsageError(
          `the teacher's token ${id} (${JSON.stringify(tt.idToToken(id))}) differs from the student's (${JSON.stringify(st.idToToken(id))}); distillation needs the same tokenizer`,
          { field: '--teacher' },
        );
      }
    }
  }
  const ctx = renderContext(base, o.template);
  const block = blockOf(o, Math.min(base.net.contextLength, teacherModel.net.contextLength));
  const examples = parseSftRecords(readJsonData(o.data), o.data).flatMap((c) => {
    const e = tokenizeConversation(ctx, c);
    const ids = e.ids.slice(0, base.net.contextLength);
    const mask = e.mask.slice(0, base.net.contextLength);
    return mask.includes(1) ? [{ ids, mask }] : [];
  });
  const { train, val } = split(examples, o.valFraction, o.seed);
  const tparams = new ParamStore(backend);
  for (const [name, t] of teacherModel.tensors)
    tparams.add(
      { name, shape: shapeOfParam(name, teacherModel.net, t.length), decay: false, frozen: true },
      t,
    );
  const teacher = netTeacher(backend, teacherModel.net, tparams);
  const obj = new DistillObjective(base.net, train, val, o.batchSize, block, o.seed, teacher, {
    temperature: o.temperature ?? DISTILL_DEFAULTS.temperature,
    alpha: o.alpha ?? DISTILL_DEFAULTS.alpha,
  });
  const trainer = new Trainer(backend, trainConfig(o, base), undefined, undefined, {
    objective: obj,
    init: baseInit(base, o.lora),
  });
  return startRun(
    out,
    o,
    {
      trainer,
      base,
      hooks: {
        stepMetrics: () => ({ kl: obj.lastStats?.kl, ce: obj.lastStats?.ce }),
        evalMetrics: () => ({
          val_kl: obj.lastEval?.kl,
          val_ce: obj.lastEval?.ce,
          val_kl_t1: obj.lastEval?.kl1,
        }),
      },
      dispose: () => {
        teacher.dispose();
        tparams.dispose();
      },
    },
    resume,
  );
}
