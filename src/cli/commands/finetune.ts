// `llmts finetune --method sft|dpo`: supervised fine-tuning or DPO of a base model, full or LoRA.
import type { Command } from 'commander';
import { createBackend } from '../../backend/create.js';
import { UsageError } from '../../errors.js';
import { resolveModelPath } from '../../generate/node/cli-model.js';
import { type FinetuneOptions, finetuneOptionsOf, finetuneRun } from '../../train/finetune/run-node.js';
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
}

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
  let o: FinetuneOptions;
  if (f.resume !== undefined) {
    o = { ...finetuneOptionsOf(f.resume), out: f.resume };
    if (f.maxSteps !== undefined) o.maxSteps = num('--max-steps', f.maxSteps, 1, true, 1);
  } else {
    const method = f.method ?? 'sft';
    if (method !== 'sft' && method !== 'dpo') {
      throw new UsageError(`--method ${method} is not available yet (sft, dpo)`, { field: '--method' });
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
    const run = await finetuneRun(backend, o, f.resume !== undefined);
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
        `trainable parameters ${run.trainer.params.trainableCount} of ${run.trainer.params.count}; model: ${run.out}/model.gguf\n`,
    );
  } finally {
    backend.dispose();
  }
}

export const finetuneCommand: CliCommand = {
  register(program: Command): void {
    program
      .command('finetune')
      .description('fine-tune a model: supervised (sft) or preference (dpo), full or LoRA')
      .option('--method <m>', 'sft | dpo', 'sft')
      .option(
        '-m, --model <path>',
        'base model (GGUF, HF directory or llama2.c .bin); default: the bundled model',
      )
      .option('--data <file>', 'JSON/JSONL dataset: Alpaca, messages/ShareGPT (sft); preference pairs (dpo)')
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
