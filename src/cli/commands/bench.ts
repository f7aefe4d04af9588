// `llmts bench [name]`: runs a benchmark of the static BENCHMARKS registry by name (no name:
// lists them). --threads N, --json (one result object per line); other --flags go to the benchmark.
import type { Command } from 'commander';
import { BENCHMARKS } from '../../bench/registry.js';
import { UsageError } from '../../errors.js';
import type { CliCommand } from '../command.js';

/** Splits leftover words into positional args and --key[=value] / --key value / --flag flags. */
export function parseBenchArgs(words: readonly string[]): {
  args: string[];
  flags: Record<string, string | boolean>;
} {
  const args: string[] = [];
  const flags: Record<string, string | boolean> = {};
  const set = (key: string, value: string | boolean) => {
    const prev = flags[key];
    // A repeated flag (e.g. several -m models) accumulates as a comma-separated list.
    flags[key] = typeof prev === 'string' && typeof value === 'string' ? `${prev},${value}` : value;
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const short = /^-[a-zA-Z]$/.test(w);
    if (!w.startsWith('--') && !short) {
      args.push(w);
      continue;
    }
    const eq = w.indexOf('=');
    if (!short && eq > 2) {
      set(w.slice(2, eq), w.slice(eq + 1));
    } else if (i + 1 < words.length && !words[i + 1]!.startsWith('-')) {
      set(w.slice(short ? 1 : 2), words[++i]!);
    } else {
      set(w.slice(short ? 1 : 2), true);
    }
  }
  return { args, flags };
}

function parseThreads(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new UsageError(`--threads must be an integer in [1, 256], got "${v}"`, { field: 'threads' });
  }
  return n;
}

export const benchCommand: CliCommand = {
  register(program: Command): void {
    program
      .command('bench')
      .description('run a benchmark (no name: list them); results go to docs/PERFORMANCE.md')
      .argument('[name]', 'benchmark name')
      .argument('[args...]', 'benchmark-specific arguments and --flags')
      .option('--threads <n>', 'threads (default: all cores)')
      .option('--json', 'print one JSON object per result line')
      .allowUnknownOption(true)
      .action(async (name: string | undefined, rest: string[], o: { threads?: string; json?: boolean }) => {
        if (name === undefined) {
          for (const b of BENCHMARKS) console.log(`${b.name.padEnd(16)} ${b.description}`);
          return;
        }
        // llama-bench style: `llmts bench -m FILE -p 512 -n 128` runs the model benchmark.
        if (name.startsWith('-')) {
          rest = [name, ...rest];
          name = 'model';
        }
        const bench = BENCHMARKS.find((b) => b.name === name);
        if (bench === undefined) {
          const names = BENCHMARKS.map((b) => b.name).join(', ');
          throw new UsageError(`unknown benchmark "${name}" (available: ${names})`, { field: 'name' });
        }
        const { args, flags } = parseBenchArgs(rest);
        await bench.run({
          threads: o.threads === undefined ? undefined : parseThreads(o.threads),
          json: o.json === true,
          args,
          flags,
        });
      });
  },
};
