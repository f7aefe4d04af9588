// Node-side pieces shared by the reward, PPO and distillation runs: options, data files, chat
// rendering, base-model parameters (full or LoRA), the run record and the exports.
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { type SafetensorsWriteTensor, safetensorsChunks } from '../../io/safetensors/index.js';
import { writeFileAtomic } from '../../io/write-node.js';
import { ADAMW_DEFAULTS } from '../adamw.js';
import { trainedHf } from '../export.js';
import type { BaseModel } from '../finetune/base-node.js';
import { finetuneTrainConfig } from '../finetune/common-node.js';
import { type AdapterTensors, mergeAdapter, normalizeTargets, toPeft } from '../finetune/peft.js';
import { shapeOfParam } from '../finetune/shapes.js';
import { ggufTokenizerMetadata, hfTokenizerFiles } from '../finetune/tokenizer-meta-node.js';
import { type Adapters, addLoraAdapters } from '../nets/lora.js';
import type { Recipe } from '../presets.js';
import type { Rng } from '../rng.js';
import { writeHfModel, writeModelGguf } from '../run-node.js';
import type { TrainConfig, Trainer, TrainerSetup } from '../trainer.js';

export { readJsonData, renderContext, split } from '../finetune/common-node.js';

/** Options of `llmts finetune --method reward|ppo|distill` (stored in run.json for --resume). */
export interface AlignOptions {
  method: 'reward' | 'ppo' | 'distill';
  base: string;
  data: string;
  out: string;
  lora?: { r: number; alpha: number; targets: string[] } | undefined;
  template?: string | undefined;
  maxSteps: number;
  batchSize: number;
  /** Tokens per sequence; 0 = the model's context, at most 128. */
  blockSize: number;
  lr: number;
  evalEvery: number;
  saveEvery: number;
  valFraction: number;
  seed: number;
  quiet?: boolean;
  /** PPO: a reward model directory (from --method reward) or a reward function spec. */
  rewardModel?: string | undefined;
  reward?: string | undefined;
  klCoef?: number;
  /** PPO sampling temperature or distillation temperature. */
  temperature?: number;
  maxNew?: number;
  ppoEpochs?: number;
  miniBatches?: number;
  /** Distillation: the teacher model and the weight of the distillation term. */
  teacher?: string | undefined;
  alpha?: number;
}

/** The run's block size: --block-size, or the model context up to 128 tokens. */
export function blockOf(o: AlignOptions, contextLength: number): number {
  if (o.blockSize === 0) return Math.min(128, contextLength);
  if (o.blockSize > contextLength)
    throw new UsageError(`--block-size ${o.blockSize} exceeds the model context ${contextLength}`, {
      field: '--block-size',
    });
  return o.blockSize;
}

export function trainConfig(o: AlignOptions, base: BaseModel): TrainConfig {
  return finetuneTrainConfig(o, base.net, blockOf(o, base.net.contextLength));
}

/** Trainer init: the base tensors (frozen under LoRA), LoRA adapters, then extra heads. */
export function baseInit(
  base: BaseModel,
  lora: AlignOptions['lora'],
  heads?: (params: Parameters<NonNullable<TrainerSetup['init']>>[0], rng: Rng) => void,
): NonNullable<TrainerSetup['init']> {
  return (params, rng) => {
    for (const [name, t] of base.tensors) {
      const decay = /\.(attn_[a-z]+|ffn_[a-z]+)\.weight$/.test(name);
      params.add(
        { name, shape: shapeOfParam(name, base.net, t.length), decay, frozen: lora !== undefined },
        t,
      );
    }
    let adapters: Adapters | undefined;
    if (lora !== undefined)
      adapters = addLoraAdapters(params, { ...lora, targets: normalizeTargets(lora.targets) }, rng);
    heads?.(params, rng);
    return adapters;
  };
}

export function recipeOf(o: AlignOptions, base: BaseModel): Recipe {
  const { vocabSize: _v, ...shape } = base.net;
  return {
    net: shape as Recipe['net'],
    tokenizer: 'base',
    batchSize: o.batchSize,
    blockSize: blockOf(o, base.net.contextLength),
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

const HEADS = /^(score\.weight|v_head\.(weight|bias))$/;

/**
 * Writes the trained LM (LoRA merged; plus the PEFT adapter for LLaMA LoRA runs) as model.gguf
 * and hf/, and the scalar heads to `heads.safetensors`. A reward model's HF export is a
 * *ForSequenceClassification checkpoint (score.weight, num_labels 1).
 */
export function exportAligned(out: string, trainer: Trainer, base: BaseModel, o: AlignOptions): void {
  const net = trainer.config.net;
  let tensors = new Map<string, Float32Array>();
  const heads: SafetensorsWriteTensor[] = [];
  const shapes = new Map<string, readonly number[]>();
  for (const [spec] of trainer.params.entries()) {
    shapes.set(spec.name, spec.shape);
    if (/\.lora_[ab]$/.test(spec.name)) continue;
    const data = trainer.params.read(spec.name);
    if (HEADS.test(spec.name)) {
      heads.push({ name: spec.name, dtype: 'F32', shape: spec.shape, data: new Uint8Array(data.buffer) });
    } else tensors.set(spec.name, data);
  }
  if (o.lora !== undefined) {
    const layers: AdapterTensors['layers'] = new Map();
    for (const [name, ad] of trainer.adapters ?? new Map()) {
      layers.set(name, {
        a: trainer.params.read(ad.a.name),
        b: trainer.params.read(ad.b.name),
        rows: ad.b.shape[0]!,
        cols: ad.a.shape[1]!,
      });
    }
    const ad: AdapterTensors = { layers, r: o.lora.r, alpha: o.lora.alpha };
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
  for (const [name, data] of tensors) shaped.set(name, { shape: shapes.get(name) ?? [data.length], data });
  const tok = ggufTokenizerMetadata(base.path);
  writeModelGguf(out, net, shaped, tok, `${o.method} of ${base.path}`);
  const hf = trainedHf(net, shaped);
  const score = heads.find((h) => h.name === 'score.weight');
  if (score !== undefined) {
    // transformers' *ForSequenceClassification: the trunk without lm_head, plus score.weight.
    hf.tensors = hf.tensors.filter((t) => t.name !== 'lm_head.weight');
    hf.tensors.push(score);
    const arch = net.arch === 'llama' ? 'LlamaForSequenceClassification' : 'GPT2ForSequenceClassification';
    // No pad_token_id: transformers then scores the last token (as here) for unpadded input; a
    // pad id equal to EOS would make it score the token before a final EOS instead.
    hf.config = { ...hf.config, architectures: [arch], num_labels: 1 };
  }
  writeHfModel(join(out, 'hf'), hf, hfTokenizerFiles(base.path));
  if (heads.length > 0)
    writeFileAtomic(join(out, 'heads.safetensors'), safetensorsChunks(heads, { format: 'pt' }));
}

/** The options stored in a run directory's run.json, when it is an alignment run. */
export function alignOptionsOf(dir: string): AlignOptions | undefined {
  let j: { finetune?: { method?: unknown } };
  try {
    j = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as typeof j;
  } catch (err) {
    throw new UsageError(`${dir}: not a fine-tuning run (${(err as Error).message})`, { field: '--resume' });
  }
  const m = j.finetune?.method;
  return m === 'reward' || m === 'ppo' || m === 'distill' ? (j.finetune as AlignOptions) : undefined;
}
