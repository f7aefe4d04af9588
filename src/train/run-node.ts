// A whole training run (Node-only): tokenizer, token files, trainer, progress bar, metrics JSONL,
// loss curve, periodic atomic checkpoints, Ctrl-C handling, resume, and the final exports
// (GGUF + HF safetensors/config.json/tokenizer.json). The `llmts train` command drives it.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import type { Backend } from '../backend/backend.js';
import { ConfigError, UsageError } from '../errors.js';
import { type GgufKv, ggufChunks } from '../io/gguf/index.js';
import { safetensorsChunks } from '../io/safetensors/index.js';
import { writeFileAtomic } from '../io/write-node.js';
import { ggufMetaFromHfJson } from '../jobs/convert-tokenizer.js';
import { bytesTokenizerConfig, bytesTokenizerJson } from '../jobs/tokenizer-gguf.js';
import { tokenizerFromHfJson } from '../tokenizers/hf-json.js';
import type { Tokenizer } from '../tokenizers/tokenizer.js';
import { findLatestCheckpoint, restoreCheckpoint, saveCheckpoint } from './checkpoint-node.js';
import { expandDataFiles, prepareTokens } from './corpus-node.js';
import { ggufUnsupported, type TensorMap, trainedGguf, trainedHf } from './export.js';
import type { NetConfig } from './nets/index.js';
import { type LossPoint, writeLossCurve } from './plot-node.js';
import { PRESETS, type Recipe } from './presets.js';
import { checkRecipe, checkRecipeKeys } from './recipe-check.js';
import { type StepLog, type TrainConfig, Trainer } from './trainer.js';

export interface RunOptions {
  out: string;
  recipe: Recipe;
  recipeName: string;
  data: string[];
  /** 'bytes' or a tokenizer.json path. */
  tokenizer: string;
  seed: number;
  /** Quiet: no progress bar, one line per log step to stderr. */
  quiet?: boolean;
  logEvery?: number;
}

/** What a checkpoint stores to rebuild the run on --resume. */
export interface RunRecord {
  recipe: Recipe;
  recipeName: string;
  data: string[];
  tokenizer: string;
  seed: number;
  vocabSize: number;
  [key: string]: unknown;
}

/** Hooks that let fine-tuning methods reuse the run loop with their own metrics and exports. */
export interface RunHooks {
  /** Extra fields for each metrics line (e.g. DPO reward accuracy). */
  stepMetrics?(): Record<string, unknown>;
  evalMetrics?(): Record<string, unknown>;
  /** Writes the final artefacts (default: model.gguf + hf/). */
  exportModels?(): void;
}

/**
 * Writes DIR/model.gguf atomically, or, for a net GGUF cannot express (ggufUnsupported), says so
 * on stderr and writes nothing: hf/ then carries the model.
 */
export function writeModelGguf(
  dir: string,
  net: NetConfig,
  params: TensorMap,
  tokenizer: readonly [string, GgufKv][],
  name: string,
): void {
  const why = ggufUnsupported(net);
  if (why !== null) {
    process.stderr.write(`model.gguf not written: ${why}; hf/ has the model\n`);
    return;
  }
  writeFileAtomic(join(dir, 'model.gguf'), ggufChunks(trainedGguf(net, params, tokenizer, name)));
}

/**
 * Writes an HF model (trainedHf's tensors and config) as dir/model.safetensors and dir/config.json,
 * with tokenizer.json and tokenizer_config.json when a tokenizer is given; each file atomically.
 */
export function writeHfModel(
  dir: string,
  hf: ReturnType<typeof trainedHf>,
  tokenizer?: { tokenizer: unknown; config: unknown },
): void {
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, 'model.safetensors'), safetensorsChunks(hf.tensors, { format: 'pt' }));
  writeFileAtomic(join(dir, 'config.json'), `${JSON.stringify(hf.config, null, 2)}\n`);
  if (tokenizer !== undefined) {
    writeFileAtomic(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer.tokenizer));
    writeFileAtomic(join(dir, 'tokenizer_config.json'), `${JSON.stringify(tokenizer.config, null, 2)}\n`);
  }
}

export function recipeFor(
  name: string | undefined,
  configFile: string | undefined,
): { recipe: Recipe; name: string } {
  if (configFile !== undefined) {
    let j: unknown;
    try {
      j = JSON.parse(readFileSync(configFile, 'utf8'));
    } catch (err) {
      throw new UsageError(`--config ${configFile}: ${(err as Error).message}`, { field: '--config' });
    }
    checkRecipeKeys(`--config ${configFile}`, j);
    const base = PRESETS[(j as { preset?: string }).preset ?? 'nanogpt-shakespeare-char'];
    if (base === undefined) throw new UsageError(`--config: unknown base preset`, { field: 'preset' });
    const { preset: _preset, ...o } = j as Partial<Recipe> & {
      preset?: string;
      net?: Partial<Recipe['net']>;
    };
    const recipe: Recipe = {
      ...base,
      ...o,
      net: { ...base.net, ...(o.net ?? {}) } as Recipe['net'],
      optim: { ...base.optim, ...(o.optim ?? {}) },
    };
    checkRecipe(`--config ${configFile}`, recipe);
    return { recipe, name: configFile };
  }
  const key = name ?? 'nanogpt-shakespeare-char';
  const recipe = PRESETS[key];
  if (recipe === undefined) {
    throw new UsageError(`unknown preset "${key}"; known: ${Object.keys(PRESETS).join(', ')}`, {
      field: '--preset',
    });
  }
  return { recipe, name: key };
}

function loadTrainingTokenizer(spec: string): {
  tokenizer: Tokenizer;
  json: unknown;
  config: unknown;
  separator: number | undefined;
} {
  if (spec === 'bytes') {
    const json = bytesTokenizerJson();
    const config = bytesTokenizerConfig();
    return { tokenizer: tokenizerFromHfJson(json, config), json, config, separator: 256 };
  }
  if (!spec.endsWith('.json')) {
    throw new UsageError(`--tokenizer must be "bytes" or a tokenizer.json file, got ${spec}`, {
      field: '--tokenizer',
    });
  }
  const json: unknown = JSON.parse(readFileSync(spec, 'utf8'));
  const cfgPath = join(dirname(spec), 'tokenizer_config.json');
  const config: unknown = existsSync(cfgPath) ? JSON.parse(readFileSync(cfgPath, 'utf8')) : {};
  const tokenizer = tokenizerFromHfJson(json, config, spec);
  const eot = tokenizer.eosId ?? tokenizer.tokenToId('<|endoftext|>');
  return { tokenizer, json, config, separator: eot };
}

function trainConfig(r: Recipe, vocabSize: number, seed: number): TrainConfig {
  const net = { ...r.net, vocabSize } as NetConfig;
  if (r.blockSize > net.contextLength) {
    throw new ConfigError(`block size ${r.blockSize} exceeds the context length ${net.contextLength}`, {
      field: 'blockSize',
    });
  }
  return {
    net,
    batchSize: r.batchSize,
    blockSize: r.blockSize,
    gradAccum: r.gradAccum,
    maxSteps: r.maxSteps,
    schedule: { lr: r.lr, minLr: r.minLr, warmupSteps: r.warmupSteps, decaySteps: r.maxSteps },
    optim: r.optim,
    evalEvery: r.evalEvery,
    evalBatches: r.evalBatches,
    seed,
    maxBadSteps: 5,
  };
}

/** Bytes the run will need for parameters, optimiser state and activations (rough upper bound). */
export function estimateBytes(c: TrainConfig): number {
  const n = c.net;
  const params =
    n.vocabSize * n.dim * 2 + n.nLayer * (4 * n.dim * n.dim + 3 * n.dim * n.ffnDim) + n.contextLength * n.dim;
  const tokens = c.batchSize * c.blockSize;
  const heads = n.nHead;
  const acts =
    n.nLayer * tokens * (12 * n.dim + 3 * n.ffnDim) +
    heads * n.nLayer * c.batchSize * c.blockSize * c.blockSize +
    3 * tokens * n.vocabSize;
  return 4 * (4 * params + 2 * acts);
}

export class TrainingRun {
  private readonly metricsPath: string;
  private readonly points: LossPoint[] = [];
  private stopRequested = false;

  private hooks: RunHooks = {};

  constructor(
    readonly out: string,
    readonly trainer: Trainer,
    private readonly record: RunRecord,
    private readonly tokenizer: { json: unknown; config: unknown } | undefined,
    private readonly opts: { quiet: boolean; logEvery: number },
  ) {
    this.metricsPath = join(out, 'metrics.jsonl');
  }

  withHooks(h: RunHooks): this {
    this.hooks = h;
    return this;
  }

  static start(backend: Backend, o: RunOptions): TrainingRun {
    const out = resolve(o.out);
    if (existsSync(join(out, 'latest.json'))) {
      throw new UsageError(`${out} already holds a run; use --resume ${o.out} or another --out`, {
        field: '--out',
      });
    }
    mkdirSync(out, { recursive: true });
    const files = expandDataFiles(o.data).map((f) => resolve(f));
    const tok = loadTrainingTokenizer(o.tokenizer);
    const tokens = prepareTokens(
      files,
      tok.tokenizer,
      join(out, 'data'),
      o.recipe.valFraction,
      tok.separator,
    );
    const cfg = trainConfig(o.recipe, tok.tokenizer.vocabSize, o.seed);
    checkMemory(cfg);
    const trainer = new Trainer(backend, cfg, tokens.train, tokens.val);
    const record: RunRecord = {
      recipe: o.recipe,
      recipeName: o.recipeName,
      data: files,
      tokenizer: o.tokenizer === 'bytes' ? 'bytes' : resolve(o.tokenizer),
      seed: o.seed,
      vocabSize: tok.tokenizer.vocabSize,
    };
    writeFileAtomic(join(out, 'tokenizer.json'), JSON.stringify(tok.json));
    writeFileAtomic(join(out, 'tokenizer_config.json'), `${JSON.stringify(tok.config, null, 2)}\n`);
    writeFileAtomic(join(out, 'run.json'), `${JSON.stringify(record, null, 1)}\n`);
    return new TrainingRun(
      out,
      trainer,
      record,
      { json: tok.json, config: tok.config },
      {
        quiet: o.quiet ?? false,
        logEvery: o.logEvery ?? 10,
      },
    );
  }

  static resume(backend: Backend, dir: string, maxSteps: number | undefined, quiet = false): TrainingRun {
    const out = resolve(dir);
    const ckpt = findLatestCheckpoint(out);
    if (ckpt === undefined)
      throw new UsageError(`${dir}: no complete checkpoint to resume from`, { field: '--resume' });
    let record: RunRecord;
    try {
      record = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunRecord;
    } catch (err) {
      throw new UsageError(`${dir}: not an llmts training directory (run.json: ${(err as Error).message})`, {
        field: '--resume',
      });
    }
    if (maxSteps !== undefined) record.recipe = { ...record.recipe, maxSteps };
    const tokJson: unknown = JSON.parse(readFileSync(join(out, 'tokenizer.json'), 'utf8'));
    const cfgPath = join(out, 'tokenizer_config.json');
    const tokConfig: unknown = existsSync(cfgPath) ? JSON.parse(readFileSync(cfgPath, 'utf8')) : {};
    const tokens = prepareTokens(
      record.data,
      tokenizerFromHfJson(tokJson),
      join(out, 'data'),
      record.recipe.valFraction,
      undefined,
    );
    const cfg = trainConfig(record.recipe, record.vocabSize, record.seed);
    const trainer = new Trainer(backend, cfg, tokens.train, tokens.val);
    restoreCheckpoint(ckpt, trainer);
    const run = new TrainingRun(
      out,
      trainer,
      record,
      { json: tokJson, config: tokConfig },
      { quiet, logEvery: 10 },
    );
    run.loadPoints();
    return run;
  }

  loadPoints(): void {
    if (!existsSync(this.metricsPath)) return;
    for (const line of readFileSync(this.metricsPath, 'utf8').split('\n')) {
      if (!line) continue;
      const m = JSON.parse(line) as { step: number; loss?: number; val_loss?: number };
      if (m.step >= this.trainer.step) continue;
      if (m.loss !== undefined) this.points.push({ step: m.step, loss: m.loss, series: 'train' });
      if (m.val_loss !== undefined) this.points.push({ step: m.step, loss: m.val_loss, series: 'val' });
    }
  }

  /** Asks the loop to stop after the current step (Ctrl-C); a checkpoint is written. */
  requestStop(): void {
    this.stopRequested = true;
  }

  private metric(obj: Record<string, unknown>): void {
    appendFileSync(this.metricsPath, `${JSON.stringify(obj)}\n`);
  }

  checkpoint(): string {
    return saveCheckpoint(this.out, this.trainer, this.record);
  }

  /** Runs to maxSteps (or a stop request). Returns the final validation loss. */
  async run(): Promise<{ valLoss: number; steps: number; seconds: number }> {
    const t = this.trainer;
    const c = t.config;
    const t0 = performance.now();
    const bar =
      !this.opts.quiet && process.stderr.isTTY
        ? new cliProgress.SingleBar(
            {
              format: 'train {bar} {value}/{total} | loss {loss} | {tps} tok/s | ETA {eta_formatted}',
              etaBuffer: 50,
            },
            cliProgress.Presets.shades_classic,
          )
        : undefined;
    bar?.start(c.maxSteps, t.step, { loss: '-', tps: '-' });
    let valLoss = Number.NaN;
    let ema = Number.NaN;
    while (t.step < c.maxSteps && !this.stopRequested) {
      const log: StepLog = t.trainStep();
      ema = Number.isNaN(ema) ? log.loss : 0.9 * ema + 0.1 * log.loss;
      const tps = log.tokens / (log.ms / 1000);
      const entry: Record<string, unknown> = {
        step: log.step,
        loss: log.loss,
        lr: log.lr,
        grad_norm: log.gradNorm,
        tokens_per_s: Math.round(tps),
        ms: Math.round(log.ms * 10) / 10,
      };
      if (log.skipped !== undefined) entry.skipped = log.skipped;
      if (log.spike === true) entry.spike = true;
      if (Number.isFinite(log.loss)) this.points.push({ step: log.step, loss: log.loss, series: 'train' });
      const last = t.step === c.maxSteps;
      if (c.evalEvery > 0 && (log.step % c.evalEvery === 0 || last)) {
        valLoss = t.evaluate();
        entry.val_loss = valLoss;
        Object.assign(entry, this.hooks.evalMetrics?.() ?? {});
        this.points.push({ step: log.step, loss: valLoss, series: 'val' });
        await writeLossCurve(join(this.out, 'loss.svg'), this.points, `${this.record.recipeName} — loss`);
      }
      Object.assign(entry, this.hooks.stepMetrics?.() ?? {});
      this.metric(entry);
      if (log.skipped !== undefined || log.spike === true) {
        bar?.stop();
        process.stderr.write(`step ${log.step}: ${log.skipped ?? `loss spike ${log.loss.toFixed(3)}`}\n`);
        bar?.start(c.maxSteps, t.step, { loss: ema.toFixed(4), tps: Math.round(tps) });
      }
      bar?.update(t.step, { loss: ema.toFixed(4), tps: Math.round(tps) });
      if (bar === undefined && !this.opts.quiet && (log.step % this.opts.logEvery === 0 || last)) {
        const v = entry.val_loss === undefined ? '' : ` val ${valLoss.toFixed(4)}`;
        process.stderr.write(
          `step ${log.step} loss ${log.loss.toFixed(4)}${v} lr ${log.lr.toExponential(2)} ${Math.round(tps)} tok/s\n`,
        );
      }
      const saveEvery = this.record.recipe.saveEvery;
      if (saveEvery > 0 && t.step % saveEvery === 0 && t.step < c.maxSteps) this.checkpoint();
      // Let signal handlers and I/O run between steps.
      await new Promise((r) => setImmediate(r));
    }
    bar?.stop();
    this.checkpoint();
    if (Number.isNaN(valLoss)) valLoss = t.evaluate();
    await writeLossCurve(join(this.out, 'loss.svg'), this.points, `${this.record.recipeName} — loss`);
    if (this.hooks.exportModels !== undefined) this.hooks.exportModels();
    else this.exportModels();
    return { valLoss, steps: t.step, seconds: (performance.now() - t0) / 1000 };
  }

  /**
   * Writes model.gguf and hf/{model.safetensors, config.json, tokenizer.json} atomically;
   * model.gguf is left out (with a note on stderr) for a net GGUF cannot express.
   */
  exportModels(): void {
    const c = this.trainer.config.net;
    const params = new Map<string, { shape: readonly number[]; data: Float32Array }>();
    for (const [spec] of this.trainer.params.entries()) {
      params.set(spec.name, { shape: spec.shape, data: this.trainer.params.read(spec.name) });
    }
    const tok =
      this.tokenizer === undefined
        ? []
        : ggufMetaFromHfJson(this.tokenizer.json, this.tokenizer.config, 'tokenizer.json');
    writeModelGguf(this.out, c, params, tok, this.record.recipeName);
    const t = this.tokenizer;
    writeHfModel(join(this.out, 'hf'), trainedHf(c, params), t && { tokenizer: t.json, config: t.config });
  }

  dispose(): void {
    this.trainer.dispose();
  }
}

function checkMemory(c: TrainConfig): void {
  const need = estimateBytes(c);
  const limit = 3.5 * 2 ** 30; // one wasm32 memory, with headroom
  if (need > limit) {
    throw new ConfigError(
      `this configuration needs about ${(need / 2 ** 30).toFixed(1)} GiB for parameters, optimiser state and ` +
        `activations; the limit is ${(limit / 2 ** 30).toFixed(1)} GiB (wasm32): reduce --batch-size, the block size or the model`,
    );
  }
}
