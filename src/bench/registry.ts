// Benchmarks run by `llmts bench <name>` / `npm run bench -- <name>`. Static registry: add one
// import and one entry per benchmark file. Benchmarks are not tests: they are never run by
// `npm test`, and their results go into docs/PERFORMANCE.md with date and machine.
import { kernelsBenchmark } from './kernels.js';
import { modelBenchmark } from './model.js';
import { quantKernelsBench } from './quant-kernels.js';
import { quantTypesBenchmark } from './quant-types.js';
import { samplingBenchmark } from './sampling.js';
import { serverBenchmark } from './server.js';
import { tokenizersBenchmark } from './tokenizers.js';
import { trainBenchmark } from './train.js';

export interface BenchOptions {
  threads?: number;
  json: boolean;
  /** Remaining command-line words and flags, for benchmark-specific options. */
  args: readonly string[];
  flags: Readonly<Record<string, string | boolean>>;
}

export interface Benchmark {
  readonly name: string;
  readonly description: string;
  run(opts: BenchOptions): Promise<void>;
}

/** One result line; `--json` prints exactly these objects, one per line. */
export interface BenchResult {
  name: string;
  shape: string;
  threads: number;
  value: number;
  unit: string;
  fraction_of_probe?: number;
  [extra: string]: unknown;
}

export const BENCHMARKS: Benchmark[] = [
  kernelsBenchmark,
  tokenizersBenchmark,
  samplingBenchmark,
  quantKernelsBench,
  serverBenchmark,
  modelBenchmark,
  trainBenchmark,
  quantTypesBenchmark,
];
