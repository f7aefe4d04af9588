// `llmts convert IN OUT [--force]`: GGUF ⇄ Hugging Face safetensors + config.json (+ tokenizer.json),
// also from a llama2.c `.bin`. OUT ending in .gguf writes GGUF, otherwise an HF directory.
import type { Command } from 'commander';
import { convertModel } from '../../jobs/convert-node.js';
import type { CliCommand } from '../command.js';

export const convertCommand: CliCommand = {
  register(program: Command): void {
    program
      .command('convert')
      .description('convert a model: GGUF <-> Hugging Face directory (safetensors + config.json)')
      .argument('<in>', 'input: .gguf, HF directory (config.json + safetensors) or llama2.c .bin')
      .argument('<out>', 'output: a .gguf file, or a directory for the HF layout')
      .option('--force', 'overwrite an existing output')
      .option('--quiet', 'no progress output')
      .action((input: string, output: string, opts: { force?: boolean; quiet?: boolean }) => {
        const tty = process.stderr.isTTY && !opts.quiet;
        const r = convertModel(input, output, {
          force: opts.force === true,
          onTensor: (done, total, name) => {
            if (tty) process.stderr.write(`\r[${done}/${total}] ${name.padEnd(40).slice(0, 40)}`);
          },
        });
        if (tty) process.stderr.write('\n');
        for (const n of r.notes) process.stderr.write(`llmts: note: ${n}\n`);
        if (!opts.quiet) process.stdout.write(`wrote ${r.files.join(', ')} (${r.tensors} tensors)\n`);
      });
  },
};
