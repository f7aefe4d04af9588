// The contract every CLI subcommand file implements. Commands are registered in a static list
// (commands/index.ts), never discovered by name.
import type { Command } from 'commander';

export interface CliCommand {
  /** Adds the subcommand (with its flags and action) to the program. */
  register(program: Command): void;
}
