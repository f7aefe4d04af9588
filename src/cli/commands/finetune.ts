// `llmts finetune --method sft|dpo|reward|ppo|distill`: supervised fine-tuning, DPO, reward
// modelling, PPO or distillation of a base model, full or LoRA.
import type { Command } from 'commander';
import { createBackend } from '../../backend/create.js';
import { UsageError } from '../../errors.js';
import { resolveModelPath } from '../../generate/node/cli-model.js';
import { distillRun } from '../../train/distill/run-node.js';
import { ggufUnsupported } from '../../train/export.js';
import { type FinetuneOptions, finetuneOptionsOf, finetuneRun } from '../../train/finetune/run-node.js';
import { type AlignOptions, alignOptionsOf } from '../../train/rlhf/common-node.js';
import { rlhfRun } from '../../train/rlhf/run-node.js';
import type { TrainingRun } from '../../train/run-node.js';
import type { CliCommand } from '../command.js';

interface Flags {
  method?: string;
  model?: string;
  data?: string;
  out?: string;
  resume?: string;
  lora?: boolean;
  loraR?: string;
  loraAlpha?: string;
  loraTargets?: string;
  template?: string;
  maxSteps?: string;
  batchSize?: string;
  blockSize?: string;
  lr?: string;
  beta?: string;
  evalEvery?: string;
  saveEvery?: string;
  valFraction?: string;
  seed?: string;
  overflow?: string;
  threads?: string;
  backend?: string;
  quiet?: boolean;
  rewardModel?: string;
  reward?: string;
  klCoef?: string;
  temperature?: string;
  maxNew?: string;
  ppoEpochs?: string;
  miniBatches?: string;
  teacher?: string;
  alpha?: string;
}

const ALIGN_METHODS = ['reward', 'ppo', 'distill'] as const;

function num(flag: string, v: string | undefined, def: number, integer = false, min = 0): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    throw new UsageError(`${flag} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got "${v}"`, {
      field: flag,
    });
  }
  return n;
}

async function action(f: Flags): Promise<void> {
  const threads = f.threads === undefined ? undefined : num('--threads', f.threads, 1, true, 1);
  const kind = (f.backend ?? 'auto') as 'auto' | 'wasm' | 'js';
  const resumed = f.resume !== undefined ? alignOptionsOf(f.resume) : undefined;
  const method = f.method ?? 'sft';
  if (
    resumed !== undefined ||
    (f.resume === undefined && (ALIGN_METHODS as readonly string[]).includes(method))
  ) {
    const a = alignOptions(f, resumed);
    const backend = await createBackend({ kind, ...(threads !== undefined ? { threads } : {}) });
    try {
      const run =
        a.method === 'distill'
          ? distillRun(backend, a, f.resume !== undefined)
          : rlhfRun(backend, a, f.resume !== undefined);
      try {
        await drive(run);
      } finally {
        run.release();
      }
    } finally {
      backend.dispose();
    }
    return;
  }
  let o: FinetuneOptions;
  if (f.resume !== undefined) {
    o = { ...finetuneOptionsOf(f.resume), out: f.resume };
    if (f.maxSteps !== undefined) o.maxSteps = num('--max-steps', f.maxSteps, 1, true, 1);
  } else {
    if (method !== 'sft' && method !== 'dpo') {
      throw new UsageError(`unknown --method ${method} (sft, dpo, reward, ppo, distill)`, {
        field: '--method',
      });
    }
    if (f.data === undefined) throw new UsageError('finetune needs --data FILE', { field: '--data' });
    if (f.out === undefined) throw new UsageError('finetune needs --out DIR', { field: '--out' });
    const base = resolveModelPath(f.model);
    const overflow = f.overflow ?? 'truncate';
    if (overflow !== 'truncate' && overflow !== 'error')
      throw new UsageError('--overflow must be truncate or error', { field: '--overflow' });
    o = {
      method,
      base,
      data: f.data,
      out: f.out,
      lora:
        f.lora === true || f.loraR !== undefined
          ? {
              r: num('--lora-r', f.loraR, 8, true, 1),
              alpha: num('--lora-alpha', f.loraAlpha, 16, false, 0),
              targets: (f.loraTargets ?? 'q_proj,v_proj').split(','),
            }
          : undefined,
      template: f.template,
      maxSteps: num('--max-steps', f.maxSteps, 200, true, 1),
      batchSize: num('--batch-size', f.batchSize, 8, true, 1),
      blockSize: num('--block-size', f.blockSize, 128, true, 2),
      lr: num('--lr', f.lr, f.lora === true || f.loraR !== undefined ? 1e-3 : 1e-4),
      beta: num('--beta', f.beta, 0.1),
      evalEvery: num('--eval-every', f.evalEvery, 50, true),
      saveEvery: num('--save-every', f.saveEvery, 100, true),
      valFraction: num('--val-fraction', f.valFraction, 0.05),
      seed: num('--seed', f.seed, 1337, true),
      overflow,
      quiet: f.quiet === true,
    };
  }
  const backend = await createBackend({ kind, ...(threads !== undefined ? { threads } : {}) });
  try {
    await drive(await finetuneRun(backend, o, f.resume !== undefined));
  } finally {
    backend.dispose();
  }
}

/** Runs to the end with Ctrl-C handling (first: checkpoint and stop; second: exit). */
async function drive(run: TrainingRun): Promise<void> {
  let stop = false;
  const onSignal = () => {
    if (stop) process.exit(130);
    stop = true;
    run.requestStop();
  };
  process.on('SIGINT', onSignal);
  const res = await run.run();
  process.off('SIGINT', onSignal);
  process.stderr.write(
    `done: ${res.steps} steps in ${res.seconds.toFixed(1)} s, val loss ${res.valLoss.toFixed(4)}; ` +
      `trainable parameters ${run.trainer.params.trainableCount} of ${run.trainer.params.count}; model: ${run.out}/${ggufUnsupported(run.trainer.config.net) === null ? 'model.gguf' : 'hf'}\n`,
  );
}

/** Options of a reward / PPO / distillation run from the flags (or the resumed run's). */
function alignOptions(f: Flags, resumed: AlignOptions | undefined): AlignOptions {
  if (resumed !== undefined) {
    const o = { ...resumed, out: f.resume! };
    if (f.maxSteps !== undefined) o.maxSteps = num('--max-steps', f.maxSteps, 1, true, 1);
    return o;
  }
  const method = f.method as AlignOptions['method'];
  if (f.data === undefined) throw new UsageError('finetune needs --data FILE', { field: '--data' });
  if (f.out === undefined) throw new UsageError('finetune needs --out DIR', { field: '--out' });
  const lora = f.lora === true || f.loraR !== undefined;
  if (method !== 'ppo' && (f.rewardModel !== undefined || f.reward !== undefined))
    throw new UsageError('--reward-model / --reward apply to --method ppo', { field: '--reward' });
  if (method !== 'distill' && (f.teacher !== undefined || f.alpha !== undefined))
    throw new UsageError('--teacher / --alpha apply to --method distill', { field: '--teacher' });
  const lrDefault = { reward: lora ? 1e-3 : 1e-5, ppo: lora ? 1e-4 : 3e-6, distill: lora ? 1e-3 : 5e-5 }[
    method
  ];
  const o: AlignOptions = {
    method,
    base: resolveModelPath(f.model),
    data: f.data,
    out: f.out,
    lora: lora
      ? {
          r: num('--lora-r', f.loraR, 8, true, 1),
          alpha: num('--lora-alpha', f.loraAlpha, 16, false, 0),
          targets: (f.loraTargets ?? 'q_proj,v_proj').split(','),
        }
      : undefined,
    template: f.template,
    maxSteps: num('--max-steps', f.maxSteps, 200, true, 1),
    batchSize: num('--batch-size', f.batchSize, 8, true, 1),
    blockSize: f.blockSize === undefined ? 0 : num('--block-size', f.blockSize, 128, true, 2),
    lr: num('--lr', f.lr, lrDefault),
    evalEvery: num('--eval-every', f.evalEvery, 50, true),
    saveEvery: num('--save-every', f.saveEvery, 100, true),
    valFraction: num('--val-fraction', f.valFraction, 0.05),
    seed: num('--seed', f.seed, 1337, true),
    quiet: f.quiet === true,
  };
  if (f.batchSize !== undefined && o.batchSize > 1024)
    throw new UsageError('--batch-size must be ≤ 1024', { field: '--batch-size' });
  if (method === 'ppo') {
    o.rewardModel = f.rewardModel;
    o.reward = f.reward;
    o.klCoef = num('--kl-coef', f.klCoef, 0.05);
    o.temperature = num('--temperature', f.temperature, 0.7);
    o.maxNew = num('--max-new', f.maxNew, 53, true, 1);
    o.ppoEpochs = num('--ppo-epochs', f.ppoEpochs, 4, true, 1);
    o.miniBatches = num('--mini-batches', f.miniBatches, 1, true, 1);
  } else if (method === 'distill') {
    if (f.teacher === undefined)
      throw new UsageError('--method distill needs --teacher MODEL', { field: '--teacher' });
    o.teacher = resolveModelPath(f.teacher);
    o.temperature = num('--temperature', f.temperature, 2);
    o.alpha = num('--alpha', f.alpha, 0.5);
    if (o.alpha > 1) throw new UsageError('--alpha must be in [0, 1]', { field: '--alpha' });
  } else if (f.temperature !== undefined || f.klCoef !== undefined) {
    throw new UsageError('--temperature / --kl-coef do not apply to --method reward', {
      field: '--temperature',
    });
  }
  return o;
}

export const finetuneCommand: CliCommand = {
  register(program: Command): void {
    program
      .command('finetune')
      .description('fine-tune a model: sft, dpo, reward model, ppo or distillation; full or LoRA')
      .option('--method <m>', 'sft | dpo | reward | ppo | distill', 'sft')
      .option(
        '-m, --model <path>',
        'base model (GGUF, HF directory or llama2.c .bin); default: the bundled model',
      )
      .option(
        '--data <file>',
        'JSON/JSONL dataset: Alpaca, messages/ShareGPT (sft, distill); preference pairs (dpo, reward); prompts (ppo)',
      )
      .option('--out <dir>', 'run directory')
      .option('--resume <dir>', 'continue a fine-tuning run')
      .option('--lora', 'train LoRA adapters on a frozen base')
      .option('--lora-r <n>', 'LoRA rank (default 8)')
      .option('--lora-alpha <x>', 'LoRA alpha (default 16)')
      .option(
        '--lora-targets <list>',
        'comma-separated modules: q_proj,v_proj (default), all-linear, attn_q ...',
      )
      .option(
        '--template <name|file>',
        'chat template when the tokenizer has none: chatml | llama2 | plain | a Jinja file',
      )
      .option('--max-steps <n>')
      .option('--batch-size <n>')
      .option('--block-size <n>')
      .option('--lr <x>')
      .option('--beta <x>', 'DPO β (default 0.1)')
      .option('--reward-model <dir>', 'ppo: a reward model directory written by --method reward')
      .option('--reward <func>', 'ppo: a reward function: contains:<text> | count:<char> | length:<n>')
      .option('--kl-coef <x>', 'ppo: KL penalty to the reference (default 0.05)')
      .option(
        '--temperature <x>',
        'ppo: sampling temperature (default 0.7); distill: softening T (default 2)',
      )
      .option('--max-new <n>', 'ppo: response tokens at most (default 53)')
      .option('--ppo-epochs <n>', 'ppo: passes over each rollout batch (default 4)')
      .option(
        '--mini-batches <n>',
        'ppo: minibatches per pass (default 1); --batch-size is the rollout batch',
      )
      .option('--teacher <model>', 'distill: the teacher model (same tokenizer)')
      .option('--alpha <x>', 'distill: weight of the distillation term (default 0.5)')
      .option('--eval-every <n>')
      .option('--save-every <n>')
      .option('--val-fraction <x>')
      .option('--seed <n>')
      .option('--overflow <mode>', 'examples longer than the context: truncate (warn) | error')
      .option('--threads <n>')
      .option('--backend <kind>', 'auto | wasm | js')
      .option('--quiet')
      .action(action);
  },
};
