// `llmts train-tokenizer --vocab-size N [--special TOKEN...] [--pattern gpt2|llama3|qwen2|o200k|REGEX]
//   --out tokenizer.json FILES...`: trains a byte-level BPE tokenizer; the output loads here and
// in Hugging Face tokenizers. Each file is one document (special tokens inside split it).
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { NAMED_PATTERNS } from '../../tokenizers/patterns.js';
import { BpeTrainer, toTokenizerJson } from '../../tokenizers/train/bpe-trainer.js';
import type { CliCommand } from '../command.js';

interface TrainOptions {
  vocabSize: string;
  special?: string[];
  pattern?: string;
  out: string;
  progress?: boolean;
}

export const trainTokenizerCommand: CliCommand = {
  register(program: Command): void {
    program
      .command('train-tokenizer')
      .description('train a byte-level BPE tokenizer and write tokenizer.json')
      .argument('<files...>', 'training text files (UTF-8)')
      .requiredOption('--vocab-size <n>', 'vocabulary size (256 bytes + specials + merges)')
      .option('--special <token...>', 'special tokens (e.g. <|endoftext|>)')
      .option(
        '--pattern <name|regex>',
        `pre-tokenizer: ${Object.keys(NAMED_PATTERNS).join(', ')} or a regex`,
        'gpt2',
      )
      .requiredOption('--out <file>', 'output tokenizer.json')
      .option('--no-progress', 'no progress bar')
      .action((files: string[], o: TrainOptions) => {
        const vocabSize = Number(o.vocabSize);
        if (!Number.isInteger(vocabSize) || vocabSize < 1) {
          throw new UsageError(`--vocab-size must be a positive integer, got "${o.vocabSize}"`, {
            field: 'vocab-size',
          });
        }
        const pattern = NAMED_PATTERNS[o.pattern ?? 'gpt2'] ?? o.pattern!;
        const showBar = o.progress !== false && process.stderr.isTTY === true;
        const bar = new cliProgress.SingleBar(
          { format: ' {phase} [{bar}] {value}/{total} {duration_formatted}', stream: process.stderr },
          cliProgress.Presets.shades_classic,
        );
        const trainer = new BpeTrainer({
          vocabSize,
          specialTokens: o.special ?? [],
          pattern,
          onProgress: (done) => {
            if (showBar) bar.update(done, { phase: 'merges' });
          },
        });
        if (showBar) bar.start(files.length, 0, { phase: 'reading' });
        files.forEach((f, i) => {
          let st: ReturnType<typeof statSync>;
          try {
            st = statSync(f);
          } catch {
            throw new UsageError(`training file not found: ${f}`, { file: f });
          }
          if (!st.isFile()) throw new UsageError(`${f}: not a regular file`, { file: f });
          trainer.addText(new TextDecoder().decode(readFileSync(f)));
          if (showBar) bar.update(i + 1, { phase: 'reading' });
        });
        if (showBar) bar.setTotal(Math.max(0, vocabSize - 256 - (o.special?.length ?? 0)));
        if (showBar) bar.update(0, { phase: 'merges' });
        const result = trainer.train();
        if (showBar) bar.stop();
        const tmp = `${o.out}.tmp`;
        writeFileSync(tmp, JSON.stringify(toTokenizerJson(result), null, 2));
        renameSync(tmp, o.out);
        process.stderr.write(
          `wrote ${o.out}: ${result.vocab.length} tokens, ${result.merges.length} merges\n`,
        );
      });
  },
};
