// The static registry of CLI subcommands. Add one import and one entry per command file.
import type { CliCommand } from '../command.js';

export const COMMANDS: readonly CliCommand[] = [];
