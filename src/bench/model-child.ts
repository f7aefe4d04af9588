// Child process of `llmts bench model`: `node model-child.js ENGINE MODEL P N REPS THREADS PEERS`
// runs one engine on one model and prints one JSON line. It imports only what the run needs (not
// the CLI and its commands), so the process's peak RSS is the engine's and the model's own.
import { type Measure, runLlmts, runPeer } from './model-run.js';

async function main(argv: readonly string[]): Promise<Measure> {
  const [engine, model, ...nums] = argv;
  const peers = argv[6];
  const [p, n, reps, threads] = nums.slice(0, 4).map(Number);
  if (
    (engine !== 'llmts' && engine !== 'peer') ||
    model === undefined ||
    peers === undefined ||
    ![p, n, reps, threads].every((v) => Number.isInteger(v) && v! > 0)
  ) {
    throw new Error('usage: model-child.js llmts|peer MODEL P N REPS THREADS PEERS');
  }
  return engine === 'peer'
    ? runPeer(peers, model, p!, n!, reps!, threads!)
    : runLlmts(model, p!, n!, reps!, threads!);
}

main(process.argv.slice(2)).then(
  (m) => process.stdout.write(`${JSON.stringify(m)}\n`),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
