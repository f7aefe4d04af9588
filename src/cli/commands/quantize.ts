// `llmts quantize IN OUT --type T [--pure] [--force]`: GGUF (F32/F16/BF16) or HF directory to a quantized GGUF,
// like llama-quantize (same tensor types, order and metadata), with a progress bar.

import { availableParallelism } from 'node:os';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { QUANT_TARGETS } from '../../jobs/quantize.js';
import { quantizeFile } from '../../jobs/quantize-node.js';
import type { CliCommand } from '../command.js';

interface QuantizeFlags {
  type: string;
  pure?: boolean;
  force?: boolean;
  threads?: string;
}

function parseThreads(v: string | undefined): number {
  if (v === undefined) return Math.min(8, availableParallelism());
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new UsageError(`--threads must be an integer in [1, 256], got "${v}"`, { field: 'threads' });
  }
  return n;
}

const MiB = 1024 * 1024;

export const quantizeCommand: CliCommand = {
  register(program: Command): void {
    program
      .command('quantize')
      .description(
        'quantize an F32/F16/BF16 GGUF model (or a Hugging Face model directory) like llama-quantize',
      )
      .argument('<in>', 'input GGUF file, or a Hugging Face directory (config.json + safetensors)')
      .argument('<out>', 'output GGUF file')
      .requiredOption('-t, --type <type>', `target type: ${QUANT_TARGETS.map((q) => q.name).join(', ')}`)
      .option('--pure', 'every quantizable 2-D tensor in the named type (no q*_k_m mixture rules)')
      .option('-f, --force', 'replace OUT if it exists')
      .option('--threads <n>', 'threads (default: all cores, at most 8); the output does not depend on it')
      .action((input: string, output: string, o: QuantizeFlags) => {
        const bar = new SingleBar({
          format: 'quantize [{bar}] {percentage}% | {value}/{total} MiB | {tensor}',
          stream: process.stderr,
          hideCursor: true,
        });
        let started = false;
        const notes: string[] = [];
        try {
          const res = quantizeFile(input, output, {
            type: o.type,
            pure: o.pure === true,
            force: o.force === true,
            threads: parseThreads(o.threads),
            log: (line) => notes.push(line),
            onProgress: (done, total, tensor) => {
              if (!started) {
                bar.start(Math.ceil(total / MiB), 0, { tensor });
                started = true;
              }
              bar.update(Math.floor(done / MiB), { tensor });
            },
          });
          if (started) bar.stop();
          for (const n of notes) process.stderr.write(`  ${n}\n`);
          process.stderr.write(
            `${output}: ${res.tensors.length} tensors, ${(res.inputBytes / MiB).toFixed(2)} MiB -> ${(res.outputBytes / MiB).toFixed(2)} MiB\n`,
          );
        } catch (e) {
          if (started) bar.stop();
          throw e;
        }
      });
  },
};
