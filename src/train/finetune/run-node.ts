// A fine-tuning run (Node-only): base model → (optional LoRA) → SFT or DPO objective → the shared
// run loop (progress, metrics, loss curve, checkpoints, resume) → exports: the PEFT adapter for
// LoRA runs plus the merged model, or the full model.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Backend } from '../../backend/backend.js';
import { UsageError } from '../../errors.js';
import { safetensorsChunks } from '../../io/safetensors/index.js';
import { writeFileAtomic } from '../../io/write-node.js';
import type { Tokenizer } from '../../tokenizers/tokenizer.js';
import { ADAMW_DEFAULTS } from '../adamw.js';
import { findLatestCheckpoint, restoreCheckpoint } from '../checkpoint-node.js';
import { trainedHf } from '../export.js';
import { type Adapters, addLoraAdapters } from '../nets/lora.js';
import type { Recipe } from '../presets.js';
import { type RunRecord, TrainingRun, writeHfModel, writeModelGguf } from '../run-node.js';
import { Trainer } from '../trainer.js';
import { type BaseModel, loadBaseModel } from './base-node.js';
import { finetuneTrainConfig, readJsonData, renderContext, split } from './common-node.js';
import { parsePreferenceRecords, parseSftRecords, tokenizeConversation, tokenizePair } from './datasets.js';
import { DpoObjective, SftObjective } from './objectives.js';
import { type AdapterTensors, mergeAdapter, normalizeTargets, toPeft } from './peft.js';
import { shapeOfParam } from './shapes.js';
import { ggufTokenizerMetadata, hfTokenizerFiles } from './tokenizer-meta-node.js';

export interface FinetuneOptions {
  method: 'sft' | 'dpo';
  base: string;
  data: string;
  out: string;
  lora?: { r: number; alpha: number; targets: string[] } | undefined;
  template?: string | undefined;
  maxSteps: number;
  batchSize: number;
  blockSize: number;
  lr: number;
  beta: number;
  evalEvery: number;
  saveEvery: number;
  valFraction: number;
  seed: number;
  /** 'truncate' drops the end of over-long examples (warning); 'error' refuses them. */
  overflow: 'truncate' | 'error';
  quiet?: boolean;
}

function fitContext<T extends { ids: number[]; mask: Uint8Array }>(
  ex: T,
  ctx: number,
  mode: 'truncate' | 'error',
  i: number,
): T | undefined {
  if (ex.ids.length <= ctx) return ex;
  if (mode === 'error') {
    throw new UsageError(
      `example ${i} has ${ex.ids.length} tokens, more than the context of ${ctx} (use --overflow truncate)`,
    );
  }
  return { ...ex, ids: ex.ids.slice(0, ctx), mask: ex.mask.slice(0, ctx) };
}

/** Builds the trainer for a fine-tuning run (shared by start and resume). */
async function buildTrainer(
  backend: Backend,
  o: FinetuneOptions,
): Promise<{
  trainer: Trainer;
  base: BaseModel;
  adapters: () => Adapters | undefined;
  dpo?: DpoObjective;
  notes: string[];
}> {
  const base = loadBaseModel(o.base);
  const ctx = renderContext(base, o.template);
  const notes: string[] = [];
  const data = readJsonData(o.data);
  const net = base.net;
  if (o.blockSize > net.contextLength)
    throw new UsageError(`--block-size ${o.blockSize} exceeds the model context ${net.contextLength}`);
  const cfg = finetuneTrainConfig(o, net, o.blockSize);
  let objective: SftObjective | DpoObjective;
  let dpo: DpoObjective | undefined;
  if (o.method === 'sft') {
    const convs = parseSftRecords(data, o.data);
    let dropped = 0;
    const examples = convs.flatMap((c, i) => {
      const e = fitContext(tokenizeConversation(ctx, c), net.contextLength, o.overflow, i);
      if (e === undefined || !e.mask.includes(1)) {
        dropped++;
        return [];
      }
      if (e.ids.length < tokenizeConversation(ctx, c).ids.length)
        notes.push(`example ${i} truncated to ${net.contextLength} tokens`);
      return [e];
    });
    if (dropped > 0) notes.push(`${dropped} examples without trainable tokens were dropped`);
    const { train, val } = split(examples, o.valFraction, o.seed);
    objective = new SftObjective(net, train, val, o.batchSize, o.blockSize, o.seed);
  } else {
    const pairs = parsePreferenceRecords(data, o.data).map((p) => tokenizePair(ctx, p));
    const { train, val } = split(pairs, o.valFraction, o.seed);
    dpo = new DpoObjective(
      net,
      train,
      val,
      Math.max(1, Math.floor(o.batchSize / 2)),
      o.blockSize,
      o.beta,
      o.seed,
    );
    objective = dpo;
  }
  let adapters: Adapters | undefined;
  const trainer = new Trainer(backend, cfg, undefined, undefined, {
    objective,
    init: (params, rng) => {
      for (const [name, t] of base.tensors) {
        const decay = /\.(attn_[a-z]+|ffn_[a-z]+)\.weight$/.test(name);
        const frozen = o.lora !== undefined;
        params.add({ name, shape: shapeOfParam(name, net, t.length), decay, frozen }, t);
      }
      if (o.lora !== undefined)
        adapters = addLoraAdapters(params, { ...o.lora, targets: normalizeTargets(o.lora.targets) }, rng);
      return adapters;
    },
  });
  if (dpo !== undefined) dpo.precomputeReference(trainer.graph, trainer.params, trainer.adapters);
  return { trainer, base, adapters: () => trainer.adapters, ...(dpo !== undefined ? { dpo } : {}), notes };
}

function adapterTensors(trainer: Trainer, lora: NonNullable<FinetuneOptions['lora']>): AdapterTensors {
  const layers = new Map<string, { a: Float32Array; b: Float32Array; rows: number; cols: number }>();
  for (const [name, ad] of trainer.adapters ?? new Map()) {
    layers.set(name, {
      a: trainer.params.read(ad.a.name),
      b: trainer.params.read(ad.b.name),
      rows: ad.b.shape[0]!,
      cols: ad.a.shape[1]!,
    });
  }
  return { layers, r: lora.r, alpha: lora.alpha };
}

/** Writes the adapter (PEFT), the merged or full model (GGUF + HF). */
function exportFinetuned(out: string, trainer: Trainer, base: BaseModel, o: FinetuneOptions): void {
  const net = trainer.config.net;
  let tensors = new Map<string, Float32Array>();
  for (const [spec] of trainer.params.entries()) {
    if (!/\.lora_[ab]$/.test(spec.name)) tensors.set(spec.name, trainer.params.read(spec.name));
  }
  if (o.lora !== undefined) {
    const ad = adapterTensors(trainer, o.lora);
    if (net.arch === 'llama') {
      const peft = toPeft(net, ad, resolve(o.base));
      const dir = join(out, 'adapter');
      mkdirSync(dir, { recursive: true });
      writeFileAtomic(join(dir, 'adapter_config.json'), `${JSON.stringify(peft.config, null, 2)}\n`);
      writeFileAtomic(
        join(dir, 'adapter_model.safetensors'),
        safetensorsChunks(peft.tensors, { format: 'pt' }),
      );
    }
    tensors = mergeAdapter(tensors, ad);
  }
  const shaped = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  for (const [name, data] of tensors) {
    const spec = [...trainer.params.entries()].find(([s]) => s.name === name)?.[0];
    shaped.set(name, { shape: spec?.shape ?? [data.length], data });
  }
  const tok = ggufTokenizerMetadata(base.path);
  writeModelGguf(out, net, shaped, tok, `${o.method} of ${base.path}`);
  writeHfModel(join(out, 'hf'), trainedHf(net, shaped), hfTokenizerFiles(base.path));
}

function recipeOf(o: FinetuneOptions, net: BaseModel['net']): Recipe {
  const { vocabSize: _v, ...shape } = net;
  return {
    net: shape as Recipe['net'],
    tokenizer: 'base',
    batchSize: o.batchSize,
    blockSize: o.blockSize,
    gradAccum: 1,
    maxSteps: o.maxSteps,
    lr: o.lr,
    minLr: o.lr / 10,
    warmupSteps: 0,
    optim: ADAMW_DEFAULTS,
    evalEvery: o.evalEvery,
    evalBatches: 4,
    saveEvery: o.saveEvery,
    valFraction: o.valFraction,
  };
}

/** Starts (or, with resume, continues) a fine-tuning run. */
export async function finetuneRun(
  backend: Backend,
  o: FinetuneOptions,
  resume: boolean,
): Promise<TrainingRun> {
  const out = resolve(o.out);
  if (!resume && existsSync(join(out, 'latest.json'))) {
    throw new UsageError(`${out} already holds a run; use --resume ${o.out}`, { field: '--out' });
  }
  mkdirSync(out, { recursive: true });
  const built = await buildTrainer(backend, o);
  for (const n of built.notes.slice(0, 5)) process.stderr.write(`llmts: ${n}\n`);
  const record: RunRecord = {
    recipe: recipeOf(o, built.base.net),
    recipeName: `${o.method}${o.lora !== undefined ? '+lora' : ''}`,
    data: [resolve(o.data)],
    tokenizer: 'base',
    seed: o.seed,
    vocabSize: built.base.net.vocabSize,
    finetune: { ...o, base: resolve(o.base), data: resolve(o.data), out },
  };
  writeFileAtomic(join(out, 'run.json'), `${JSON.stringify(record, null, 1)}\n`);
  if (resume) {
    const ckpt = findLatestCheckpoint(out);
    if (ckpt === undefined)
      throw new UsageError(`${out}: no complete checkpoint to resume from`, { field: '--resume' });
    restoreCheckpoint(ckpt, built.trainer);
  }
  const run = new TrainingRun(out, built.trainer, record, undefined, {
    quiet: o.quiet ?? false,
    logEvery: 10,
  });
  if (resume) run.loadPoints();
  const dpo = built.dpo;
  return run.withHooks({
    ...(dpo !== undefined
      ? {
          stepMetrics: () => ({
            rewards_accuracy: dpo.lastStats?.accuracy,
            rewards_margin: dpo.lastStats?.margin,
          }),
          evalMetrics: () => ({
            val_rewards_accuracy: dpo.lastEvalStats?.accuracy,
            val_rewards_margin: dpo.lastEvalStats?.margin,
            val_chosen_reward: dpo.lastEvalStats?.chosenReward,
            val_rejected_reward: dpo.lastEvalStats?.rejectedReward,
          }),
        }
      : {}),
    exportModels: () => exportFinetuned(out, built.trainer, built.base, o),
  });
}

/** Options of a run directory, for --resume. */
export function finetuneOptionsOf(dir: string): FinetuneOptions {
  const file = join(dir, 'run.json');
  let j: { finetune?: FinetuneOptions };
  try {
    j = JSON.parse(readFileSync(file, 'utf8')) as { finetune?: FinetuneOptions };
  } catch (err) {
    throw new UsageError(`${dir}: not a fine-tuning run (${(err as Error).message})`, { field: '--resume' });
  }
  if (j.finetune === undefined) throw new UsageError(`${dir}: not a fine-tuning run`, { field: '--resume' });
  return j.finetune;
}

export type { Tokenizer };
