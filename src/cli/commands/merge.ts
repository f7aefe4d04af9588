// `llmts merge -m BASE --adapter DIR --out FILE.gguf|DIR`: bakes a LoRA adapter into its base.
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { resolveModelPath } from '../../generate/node/cli-model.js';
import { mergeToFiles } from '../../train/finetune/merge-node.js';
import type { CliCommand } from '../command.js';

export const mergeCommand: CliCommand = {
  register(program: Command): void {
    program
      .command('merge')
      .description('merge a PEFT LoRA adapter into its base model')
      .option('-m, --model <path>', 'base model (default: the bundled model)')
      .option('--adapter <dir>', 'PEFT adapter directory (adapter_config.json + adapter_model.safetensors)')
      .option('--out <path>', 'FILE.gguf, or a directory for HF safetensors + config.json')
      .option('--force', 'overwrite --out')
      .action((f: { model?: string; adapter?: string; out?: string; force?: boolean }) => {
        if (f.adapter === undefined)
          throw new UsageError('merge needs --adapter DIR', { field: '--adapter' });
        if (f.out === undefined) throw new UsageError('merge needs --out FILE.gguf|DIR', { field: '--out' });
        mergeToFiles(resolveModelPath(f.model), f.adapter, f.out, f.force === true);
        process.stderr.write(`merged ${f.adapter} into ${f.out}\n`);
      });
  },
};
