// The `llmts` command line: one subcommand per file under commands/, registered statically.
import { Command, CommanderError } from 'commander';
import { LlmtsError } from '../errors.js';
import { COMMANDS } from './commands/index.js';

export function buildProgram(): Command {
  const program = new Command('llmts')
    .description('Large language models in TypeScript: inference, quantization, serving and training.')
    .version('0.1.0')
    .showHelpAfterError(false)
    .exitOverride();
  for (const cmd of COMMANDS) cmd.register(program);
  return program;
}

/** Prints a one-line error for user mistakes; a stack trace only for internal bugs. */
export function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
    if (err.code === 'commander.help') return 0;
    return err.exitCode === 0 ? 0 : 2;
  }
  if (err instanceof LlmtsError) {
    process.stderr.write(`llmts: ${err.message}\n`);
    return err.code === 'usage' ? 2 : 1;
  }
  process.stderr.write(
    `llmts: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  return 1;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    return reportError(err);
  }
}
