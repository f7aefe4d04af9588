// `llmts finetune --method reward|ppo` runs (Node-only): data → objective → the shared run loop
// (progress, metrics JSONL, loss curve, checkpoints, resume) → exports.
//   reward: a reward model (LM trunk + score head) on preference pairs; exports model.gguf, hf/
//           (a *ForSequenceClassification checkpoint) and heads.safetensors (score.weight).
//   ppo:    the policy (+ value head) against a frozen reference (the base), scored by a reward
//           model directory (--reward-model) or a reward function (--reward contains:... ).
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ParamStore } from '../../autograd/index.js';
import type { Backend } from '../../backend/backend.js';
import { FormatError, UsageError } from '../../errors.js';
import { openFileSource } from '../../io/byte-source-node.js';
import { readSafetensors, readTensorBytes } from '../../io/safetensors/index.js';
import { writeFileAtomic } from '../../io/write-node.js';
import type { ChatMessage } from '../../tokenizers/chat-template.js';
import { findLatestCheckpoint, restoreCheckpoint } from '../checkpoint-node.js';
import { type BaseModel, loadBaseModel } from '../finetune/base-node.js';
import {
  parsePreferenceRecords,
  parseSftRecords,
  type RenderContext,
  tokenizePair,
  tokenizePrompt,
} from '../finetune/datasets.js';
import { shapeOfParam } from '../finetune/shapes.js';
import type { RunHooks, RunRecord } from '../run-node.js';
import { TrainingRun } from '../run-node.js';
import { Trainer } from '../trainer.js';
import {
  type AlignOptions,
  baseInit,
  blockOf,
  exportAligned,
  readJsonData,
  recipeOf,
  renderContext,
  split,
  trainConfig,
} from './common-node.js';
import { addScoreHead, addValueHead, SCORE_HEAD } from './heads.js';
import { PPO_DEFAULTS, PpoObjective, type Scorer } from './ppo.js';
import { RewardObjective, scoreWithRewardModel } from './reward.js';
import { rewardFunction } from './rewards.js';
import type { NetRef } from './rollout.js';

/**
 * Loads a reward model written by `--method reward`, frozen: the trunk from model.gguf, or from
 * hf/ when there is no GGUF (models GGUF cannot describe, such as GPT-2 with the exact GELU, are
 * exported to hf/ alone), and the score head from heads.safetensors.
 */
export function loadRewardModel(backend: Backend, dir: string): NetRef & { base: BaseModel } {
  const gguf = join(dir, 'model.gguf');
  const hf = join(dir, 'hf');
  const headsFile = join(dir, 'heads.safetensors');
  const trunk = existsSync(gguf) ? gguf : existsSync(join(hf, 'config.json')) ? hf : undefined;
  if (trunk === undefined || !existsSync(headsFile)) {
    throw new UsageError(`${dir}: a reward model directory needs model.gguf (or hf/) and heads.safetensors`, {
      field: '--reward-model',
    });
  }
  const base = loadBaseModel(trunk);
  const params = new ParamStore(backend);
  for (const [name, t] of base.tensors)
    params.add({ name, shape: shapeOfParam(name, base.net, t.length), decay: false, frozen: true }, t);
  const src = openFileSource(headsFile);
  try {
    const st = readSafetensors(src);
    const t = st.tensors.find((x) => x.name === SCORE_HEAD);
    if (
      t === undefined ||
      t.dtype !== 'F32' ||
      t.shape.length !== 2 ||
      t.shape[0] !== 1 ||
      t.shape[1] !== base.net.dim
    ) {
      throw new FormatError(`${headsFile}: needs an F32 ${SCORE_HEAD} [1, ${base.net.dim}]`, {
        file: headsFile,
        field: SCORE_HEAD,
      });
    }
    const w = new Float32Array(readTensorBytes(src, t).slice().buffer);
    params.add({ name: SCORE_HEAD, shape: [1, base.net.dim], decay: false, frozen: true }, w);
  } finally {
    src.close();
  }
  return { net: base.net, params, base };
}

function asMessages(r: unknown, file: string, i: number): ChatMessage[] {
  if (typeof r === 'string') return [{ role: 'user', content: r }];
  const o = r as Record<string, unknown> | null;
  if (o !== null && typeof o === 'object') {
    if (typeof o.prompt === 'string' && o.chosen === undefined) return [{ role: 'user', content: o.prompt }];
    if (o.chosen !== undefined) return parsePreferenceRecords([o], file)[0]!.prompt;
    if (o.messages !== undefined || o.conversations !== undefined || o.instruction !== undefined)
      return parseSftRecords([o], file)[0]!.messages.slice(0, -1);
  }
  throw new FormatError(
    `${file}: record ${i}: expected a prompt string, {prompt}, a preference pair or a conversation`,
    {
      file,
      field: `[${i}]`,
    },
  );
}

/** PPO prompts: rendered up to the assistant's turn, token ids with BOS when the model wants one. */
function promptIds(ctx: RenderContext, data: unknown, file: string): number[][] {
  if (!Array.isArray(data)) throw new FormatError(`${file}: expected a JSON array of records`, { file });
  // Message contents are plain text: a control token typed in the data never becomes a real one.
  return data.map((r, i) => tokenizePrompt(ctx, asMessages(r, file, i)));
}

interface Built {
  trainer: Trainer;
  base: BaseModel;
  hooks: RunHooks;
  dispose(): void;
}

function buildReward(backend: Backend, o: AlignOptions, base: BaseModel, ctx: RenderContext): Built {
  const pairs = parsePreferenceRecords(readJsonData(o.data), o.data).map((p) => tokenizePair(ctx, p));
  const { train, val } = split(pairs, o.valFraction, o.seed);
  const obj = new RewardObjective(
    base.net,
    train,
    val,
    Math.max(1, Math.floor(o.batchSize / 2)),
    blockOf(o, base.net.contextLength),
    o.seed,
  );
  const trainer = new Trainer(backend, trainConfig(o, base), undefined, undefined, {
    objective: obj,
    init: baseInit(base, o.lora, (params, rng) => addScoreHead(params, base.net, rng)),
  });
  return {
    trainer,
    base,
    hooks: {
      stepMetrics: () => ({ accuracy: obj.lastStats?.accuracy, margin: obj.lastStats?.margin }),
      evalMetrics: () => ({
        val_accuracy: obj.lastEvalStats?.accuracy,
        val_margin: obj.lastEvalStats?.margin,
        val_chosen_reward: obj.lastEvalStats?.chosen,
        val_rejected_reward: obj.lastEvalStats?.rejected,
      }),
    },
    dispose: () => {},
  };
}

function buildPpo(backend: Backend, o: AlignOptions, base: BaseModel, ctx: RenderContext): Built {
  const prompts = promptIds(ctx, readJsonData(o.data), o.data);
  const { train, val } = split(prompts, o.valFraction, o.seed);
  const tok = ctx.tokenizer;
  const stop = new Set(tok.eogIds);
  if (tok.eosId !== undefined) stop.add(tok.eosId);
  let scorer: Scorer;
  let rm: NetRef | undefined;
  if ((o.rewardModel === undefined) === (o.reward === undefined)) {
    throw new UsageError('PPO needs exactly one of --reward-model DIR or --reward FUNCTION', {
      field: '--reward',
    });
  }
  if (o.rewardModel !== undefined) {
    const loaded = loadRewardModel(backend, o.rewardModel);
    if (loaded.net.vocabSize !== base.net.vocabSize) {
      loaded.params.dispose();
      throw new UsageError(
        `the reward model's vocabulary (${loaded.net.vocabSize}) differs from the policy's (${base.net.vocabSize})`,
        { field: '--reward-model' },
      );
    }
    const model = loaded;
    rm = model;
    const block = Math.min(model.net.contextLength, base.net.contextLength);
    scorer = (g, p, r) => scoreWithRewardModel(g, model, p, r, block);
  } else {
    const fn = rewardFunction(o.reward!);
    const text = (ids: readonly number[]) => tok.decode(ids.filter((t) => !stop.has(t)));
    scorer = (_g, p, r) =>
      Float64Array.from(r, (ids, i) => fn({ prompt: text(p[i]!), response: text(ids), ids }));
  }
  const cfg = {
    ...PPO_DEFAULTS,
    rolloutBatch: o.batchSize,
    miniBatches: Math.min(o.miniBatches ?? PPO_DEFAULTS.miniBatches, o.batchSize),
    ppoEpochs: o.ppoEpochs ?? PPO_DEFAULTS.ppoEpochs,
    maxNew: o.maxNew ?? PPO_DEFAULTS.maxNew,
    temperature: o.temperature ?? PPO_DEFAULTS.temperature,
    klCoef: o.klCoef ?? PPO_DEFAULTS.klCoef,
  };
  const obj = new PpoObjective(base.net, train, val, cfg, scorer, stop, o.seed);
  const trainer = new Trainer(backend, trainConfig(o, base), undefined, undefined, {
    objective: obj,
    init: baseInit(base, o.lora, (params, rng) => addValueHead(params, base.net, rng)),
  });
  // The reference: the base itself, i.e. the frozen trunk without adapters (LoRA), or a copy.
  let ref: ParamStore | undefined;
  if (o.lora !== undefined) obj.setReference({ net: base.net, params: trainer.params });
  else {
    ref = new ParamStore(backend);
    for (const [name, t] of base.tensors)
      ref.add({ name, shape: shapeOfParam(name, base.net, t.length), decay: false, frozen: true }, t);
    obj.setReference({ net: base.net, params: ref });
  }
  return {
    trainer,
    base,
    hooks: {
      stepMetrics: () => ({
        reward: obj.lastRollout?.reward,
        kl: obj.lastRollout?.kl,
        non_score_reward: obj.lastRollout?.nonScoreReward,
        response_length: obj.lastRollout?.responseLength,
        policy_loss: obj.lastStats?.policyLoss,
        value_loss: obj.lastStats?.valueLoss,
        clip_frac: obj.lastStats?.clipFrac,
        approx_kl: obj.lastStats?.approxKl,
      }),
      evalMetrics: () => ({ val_reward: obj.lastEval?.reward, val_kl: obj.lastEval?.kl }),
    },
    dispose: () => {
      ref?.dispose();
      rm?.params.dispose();
    },
  };
}

/** Starts (or, with resume, continues) a reward-model or PPO run. */
export function rlhfRun(
  backend: Backend,
  o: AlignOptions,
  resume: boolean,
): TrainingRun & { release(): void } {
  if (o.method !== 'reward' && o.method !== 'ppo') throw new UsageError(`rlhfRun: method ${o.method}`);
  const out = resolve(o.out);
  if (!resume && existsSync(join(out, 'latest.json')))
    throw new UsageError(`${out} already holds a run; use --resume ${o.out}`, { field: '--out' });
  mkdirSync(out, { recursive: true });
  const base = loadBaseModel(o.base);
  const ctx = renderContext(base, o.template);
  const built = o.method === 'reward' ? buildReward(backend, o, base, ctx) : buildPpo(backend, o, base, ctx);
  return startRun(out, o, built, resume);
}

/** The shared tail of every alignment run: run.json, resume, the run loop with hooks and exports. */
export function startRun(
  out: string,
  o: AlignOptions,
  built: Built,
  resume: boolean,
): TrainingRun & { release(): void } {
  const record: RunRecord = {
    recipe: recipeOf(o, built.base),
    recipeName: `${o.method}${o.lora !== undefined ? '+lora' : ''}`,
    data: [resolve(o.data)],
    tokenizer: 'base',
    seed: o.seed,
    vocabSize: built.base.net.vocabSize,
    finetune: {
      ...o,
      base: resolve(o.base),
      data: resolve(o.data),
      out,
      ...(o.rewardModel !== undefined ? { rewardModel: resolve(o.rewardModel) } : {}),
      ...(o.teacher !== undefined ? { teacher: resolve(o.teacher) } : {}),
    },
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
  run.withHooks({ ...built.hooks, exportModels: () => exportAligned(out, built.trainer, built.base, o) });
  return Object.assign(run, { release: built.dispose });
}

export type { Built as AlignBuilt };
