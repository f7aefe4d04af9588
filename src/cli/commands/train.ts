// `llmts train`: pretraining from scratch (or `--resume DIR`), with a progress bar, metrics JSONL,
// a loss-curve SVG, atomic checkpoints and GGUF + HF exports in --out.
import type { Command } from 'commander';
import { createBackend } from '../../backend/create.js';
import { UsageError } from '../../errors.js';
import { ggufUnsupported } from '../../train/export.js';
import { withArch } from '../../train/presets.js';
import { checkRecipe } from '../../train/recipe-check.js';
import { type RunOptions, recipeFor, TrainingRun } from '../../train/run-node.js';
import type { CliCommand } from '../command.js';

interface TrainFlags {
  arch?: string;
  preset?: string;
  config?: string;
  data?: string[];
  tokenizer?: string;
  out?: string;
  resume?: string;
  maxSteps?: string;
  batchSize?: string;
  blockSize?: string;
  gradAccum?: string;
  lr?: string;
  minLr?: string;
  warmup?: string;
  evalEvery?: string;
  evalBatches?: string;
  saveEvery?: string;
  seed?: string;
  threads?: string;
  backend?: string;
  quiet?: boolean;
}

function int(flag: string, v: string | undefined, min = 0): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min)
    throw new UsageError(`${flag} must be an integer ≥ ${min}, got "${v}"`, { field: flag });
  return n;
}

function num(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`${flag} must be a positive number, got "${v}"`, { field: flag });
  return n;
}

async function action(f: TrainFlags): Promise<void> {
  const threads = int('--threads', f.threads, 1);
  const kind = (f.backend ?? 'auto') as 'auto' | 'wasm' | 'js';
  if (!['auto', 'wasm', 'js'].includes(kind))
    throw new UsageError('--backend must be auto, wasm or js', { field: '--backend' });
  let run: TrainingRun;
  const maxSteps = int('--max-steps', f.maxSteps, 1);
  if (f.resume !== undefined) {
    const backend = await createBackend({ kind, ...(threads !== undefined ? { threads } : {}) });
    run = TrainingRun.resume(backend, f.resume, maxSteps, f.quiet === true);
  } else {
    if (f.out === undefined)
      throw new UsageError('train needs --out DIR (or --resume DIR)', { field: '--out' });
    if (f.data === undefined || f.data.length === 0)
      throw new UsageError('train needs --data FILE...', { field: '--data' });
    const { recipe: base, name } = recipeFor(f.preset, f.config);
    if (f.arch !== undefined && f.arch !== 'gpt2' && f.arch !== 'llama')
      throw new UsageError(`--arch must be gpt2 or llama, got ${JSON.stringify(f.arch)}`, {
        field: '--arch',
      });
    const recipe = {
      ...base,
      // --arch of the other family: the same recipe in that architecture (presets.ts withArch)
      net: f.arch === undefined ? base.net : withArch(base.net, f.arch),
      maxSteps: maxSteps ?? base.maxSteps,
      batchSize: int('--batch-size', f.batchSize, 1) ?? base.batchSize,
      blockSize: int('--block-size', f.blockSize, 2) ?? base.blockSize,
      gradAccum: int('--grad-accum', f.gradAccum, 1) ?? base.gradAccum,
      lr: num('--lr', f.lr) ?? base.lr,
      minLr: num('--min-lr', f.minLr) ?? (f.lr !== undefined ? Number(f.lr) / 10 : base.minLr),
      warmupSteps: int('--warmup', f.warmup) ?? base.warmupSteps,
      evalEvery: int('--eval-every', f.evalEvery) ?? base.evalEvery,
      evalBatches: int('--eval-batches', f.evalBatches, 1) ?? base.evalBatches,
      saveEvery: int('--save-every', f.saveEvery) ?? base.saveEvery,
    };
    checkRecipe('train', recipe);
    const opts: RunOptions = {
      out: f.out,
      recipe,
      recipeName: name,
      data: f.data,
      tokenizer: f.tokenizer ?? base.tokenizer,
      seed: int('--seed', f.seed) ?? 1337,
      quiet: f.quiet === true,
    };
    const backend = await createBackend({ kind, ...(threads !== undefined ? { threads } : {}) });
    run = TrainingRun.start(backend, opts);
  }
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write('\nstopping after this step; writing a checkpoint (Ctrl-C again to quit at once)\n');
    run.requestStop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const res = await run.run();
    const c = run.trainer.config;
    process.stderr.write(
      `done: ${res.steps} steps in ${res.seconds.toFixed(1)} s, val loss ${res.valLoss.toFixed(4)}; ` +
        `model: ${run.out}/${ggufUnsupported(c.net) === null ? 'model.gguf' : 'hf'} (${c.net.arch}, ${run.trainer.params.count} parameters)\n`,
    );
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    run.trainer.backend.dispose();
  }
}

export const trainCommand: CliCommand = {
  register(program: Command): void {
    program
      .command('train')
      .description('train a model from scratch on text files (or resume a run)')
      .option('--arch <arch>', "gpt2 | llama: the recipe in this architecture (default: the preset's)")
      .option(
        '--preset <name>',
        'training recipe (nanogpt-shakespeare-char, default-llama, stories15m, gpt2-124m)',
      )
      .option('--config <file>', 'JSON recipe overriding a preset')
      .option('--data <files...>', 'text / JSON files or directories to train on')
      .option(
        '--tokenizer <file|bytes>',
        'tokenizer.json, or "bytes" for byte-level (character-level on ASCII)',
      )
      .option('--out <dir>', 'run directory: checkpoints, metrics.jsonl, loss.svg, model.gguf, hf/')
      .option('--resume <dir>', 'continue the run in DIR from its latest checkpoint')
      .option('--max-steps <n>')
      .option('--batch-size <n>')
      .option('--block-size <n>', 'tokens per training sequence')
      .option('--grad-accum <n>', 'micro-batches per optimiser step')
      .option('--lr <x>', 'peak learning rate')
      .option('--min-lr <x>')
      .option('--warmup <n>', 'warm-up steps')
      .option('--eval-every <n>')
      .option('--eval-batches <n>')
      .option('--save-every <n>')
      .option('--seed <n>')
      .option('--threads <n>')
      .option('--backend <kind>', 'auto | wasm | js')
      .option('--quiet', 'no progress output')
      .action(action);
  },
};
