// Node-side helpers shared by every fine-tuning method: dataset files, chat rendering, splits.
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { FormatError, UsageError } from '../../errors.js';
import { ChatTemplate, FALLBACK_TEMPLATES, type FallbackTemplate } from '../../tokenizers/chat-template.js';
import { ADAMW_DEFAULTS } from '../adamw.js';
import type { NetConfig } from '../nets/index.js';
import { Rng } from '../rng.js';
import type { TrainConfig } from '../trainer.js';
import type { BaseModel } from './base-node.js';
import type { RenderContext } from './datasets.js';

export function readJsonData(file: string): unknown {
  if (!existsSync(file)) throw new UsageError(`--data ${file} not found`, { field: '--data' });
  try {
    const text = file.endsWith('.gz')
      ? gunzipSync(readFileSync(file)).toString('utf8')
      : readFileSync(file, 'utf8');
    if (file.endsWith('.jsonl') || file.endsWith('.jsonl.gz'))
      return text
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as unknown);
    return JSON.parse(text);
  } catch (err) {
    throw new FormatError(`${file}: invalid JSON or gzip (${(err as Error).message})`, { file, cause: err });
  }
}

export function renderContext(base: BaseModel, template: string | undefined): RenderContext {
  const tok = base.tokenizer;
  if (tok === undefined) throw new UsageError(`${base.path}: the model has no tokenizer`);
  let source: string | undefined = template;
  if (source !== undefined && Object.hasOwn(FALLBACK_TEMPLATES, source))
    source = FALLBACK_TEMPLATES[source as FallbackTemplate];
  else if (source !== undefined && existsSync(source)) source = readFileSync(source, 'utf8');
  source ??= tok.chatTemplate;
  if (source === undefined) {
    throw new UsageError(
      `${base.path}: the tokenizer has no chat template; pass --template ${Object.keys(FALLBACK_TEMPLATES).join('|')} or a Jinja file`,
      { field: '--template' },
    );
  }
  const ctx: RenderContext = {
    template: new ChatTemplate(source, template ?? 'chat template'),
    tokenizer: tok,
  };
  if (tok.bosId !== undefined) ctx.bosToken = tok.idToToken(tok.bosId);
  if (tok.eosId !== undefined) ctx.eosToken = tok.idToToken(tok.eosId);
  return ctx;
}

/** Shuffled train / held-out split (at least one training item). */
export function split<T>(items: readonly T[], valFraction: number, seed: number): { train: T[]; val: T[] } {
  const order = items.map((_, i) => i);
  const rng = new Rng(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const nVal = Math.min(Math.floor(items.length * valFraction), Math.max(0, items.length - 1));
  return { train: order.slice(nVal).map((i) => items[i]!), val: order.slice(0, nVal).map((i) => items[i]!) };
}

/** The trainer configuration every fine-tuning method uses (warm-up + cosine, no decay under LoRA). */
export function finetuneTrainConfig(
  o: { batchSize: number; maxSteps: number; lr: number; lora?: unknown; evalEvery: number; seed: number },
  net: NetConfig,
  blockSize: number,
): TrainConfig {
  return {
    net,
    batchSize: o.batchSize,
    blockSize,
    gradAccum: 1,
    maxSteps: o.maxSteps,
    schedule: {
      lr: o.lr,
      minLr: o.lr / 10,
      warmupSteps: Math.min(20, Math.floor(o.maxSteps / 10)),
      decaySteps: o.maxSteps,
    },
    optim: { ...ADAMW_DEFAULTS, weightDecay: o.lora !== undefined ? 0 : 0.01 },
    evalEvery: o.evalEvery,
    evalBatches: 4,
    seed: o.seed,
    maxBadSteps: 5,
  };
}
