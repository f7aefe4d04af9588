// `llmts init --arch llama|qwen2|gpt2 --preset NAME [--seed N] --dtype f32|f16|q8_0|q4_0
//  [--tokenizer FILE] --out FILE.gguf`: a randomly initialised model of a known shape.
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { initModel, PRESET_NAMES } from '../../jobs/init-node.js';
import type { CliCommand } from '../command.js';

interface InitOpts {
  arch: string;
  preset: string;
  seed: string;
  dtype: string;
  tokenizer?: string;
  out: string;
  force?: boolean;
  quiet?: boolean;
}

export const initCommand: CliCommand = {
  register(program: Command): void {
    program
      .command('init')
      .description('write a randomly initialised model of a known shape as GGUF')
      .requiredOption('--arch <arch>', 'llama, qwen2 or gpt2')
      .requiredOption('--preset <name>', `one of ${PRESET_NAMES.join(', ')}`)
      .option('--seed <n>', 'random seed', '0')
      .option('--dtype <type>', 'f32, f16, q8_0 or q4_0', 'f32')
      .option('--tokenizer <file>', 'tokenizer metadata from a .gguf or tokenizer.json (sets the vocab size)')
      .requiredOption('--out <file>', 'output .gguf')
      .option('--force', 'overwrite an existing output')
      .option('--quiet', 'no progress output')
      .action((o: InitOpts) => {
        if (!/^\d{1,15}$/.test(o.seed))
          throw new UsageError(`--seed must be a non-negative integer (got "${o.seed}")`);
        const tty = process.stderr.isTTY && !o.quiet;
        const r = initModel({
          arch: o.arch,
          preset: o.preset,
          dtype: o.dtype,
          seed: Number(o.seed),
          out: o.out,
          force: o.force === true,
          ...(o.tokenizer !== undefined ? { tokenizer: o.tokenizer } : {}),
          onTensor: (done, total, name) => {
            if (tty) process.stderr.write(`\r[${done}/${total}] ${name.padEnd(40).slice(0, 40)}`);
          },
        });
        if (tty) process.stderr.write('\n');
        if (!o.quiet) process.stdout.write(`wrote ${o.out}: ${r.tensors} tensors, ${r.params} parameters\n`);
      });
  },
};
