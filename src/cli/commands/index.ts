// The static registry of CLI subcommands. Add one import and one entry per command file.
import type { CliCommand } from '../command.js';
import { benchCommand } from './bench.js';
import { chatCommand } from './chat.js';
import { convertCommand } from './convert.js';
import { evalCommand } from './eval.js';
import { finetuneCommand } from './finetune.js';
import { generateCommand } from './generate.js';
import { initCommand } from './init.js';
import { logitsCommand } from './logits.js';
import { mergeCommand } from './merge.js';
import { quantizeCommand } from './quantize.js';
import { serveCommand } from './serve.js';
import { tokenizeCommand } from './tokenize.js';
import { trainCommand } from './train.js';
import { trainTokenizerCommand } from './train-tokenizer.js';

export const COMMANDS: readonly CliCommand[] = [
  benchCommand,
  logitsCommand,
  convertCommand,
  initCommand,
  generateCommand,
  chatCommand,
  evalCommand,
  quantizeCommand,
  tokenizeCommand,
  trainTokenizerCommand,
  trainCommand,
  finetuneCommand,
  mergeCommand,
  serveCommand,
];
