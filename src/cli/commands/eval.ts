// `llmts eval -m MODEL --text FILE [--ctx N] [--json]`: perplexity by llama-perplexity's method.
import { readFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { openModel, parseNumber, resolveModelPath } from '../../generate/node/cli-model.js';
import { perplexity } from '../../generate/perplexity.js';
import { CACHE_TYPE_HELP, parseCacheType } from '../cache-type.js';
import type { CliCommand } from '../command.js';

interface EvalFlags {
  model?: string;
  text?: string;
  ctx?: string;
  cacheType?: string;
  batch?: string;
  threads?: string;
  backend?: string;
  json?: boolean;
}

const MAX_TEXT = 512 * 1024 * 1024;

async function run(f: EvalFlags): Promise<void> {
  if (f.text === undefined) throw new UsageError('eval needs --text FILE', { field: '--text' });
  const ctxFlag = parseNumber('--ctx', f.ctx, { int: true, min: 4, max: 1 << 20 });
  const cacheType = parseCacheType(f.cacheType);
  const batch = parseNumber('--batch', f.batch, { int: true, min: 1, max: 1 << 16 });
  const threads = parseNumber('--threads', f.threads, { int: true, min: 1, max: 256 });
  let text: string;
  try {
    const buf = readFileSync(f.text);
    if (buf.length > MAX_TEXT) throw new Error(`${buf.length} bytes is too large`);
    text = buf.toString('utf8');
  } catch (e) {
    throw new UsageError(`cannot read --text ${f.text}: ${(e as Error).message}`, {
      field: '--text',
      file: f.text,
    });
  }
  const m = await openModel(resolveModelPath(f.model), { threads, backend: f.backend });
  const ac = new AbortController();
  const onSigint = (): void => ac.abort();
  process.once('SIGINT', onSigint);
  let bar: cliProgress.SingleBar | undefined;
  try {
    const model = m.model;
    if (!model.tokenizer) throw new UsageError('eval needs a model with a tokenizer', { field: '--model' });
    const ids = model.tokenizer.encode(text);
    const ctx = ctxFlag ?? Math.min(512, model.info.contextLength);
    if (ctx > model.info.contextLength)
      process.stderr.write(
        `llmts: warning: --ctx ${ctx} exceeds the model's training context ${model.info.contextLength}\n`,
      );
    if (!f.json && process.stderr.isTTY) {
      bar = new cliProgress.SingleBar(
        {
          format: 'perplexity [{bar}] {value}/{total} chunks | ppl {ppl}',
          stream: process.stderr,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(Math.floor(ids.length / ctx), 0, { ppl: '-' });
    }
    const r = await perplexity(model, ids, {
      contextLength: ctx,
      cacheType,
      batchSize: batch,
      signal: ac.signal,
      onChunk: (done, total, ppl) => {
        if (bar) bar.update(done, { ppl: ppl.toFixed(4) });
        else if (!f.json) process.stderr.write(`[${done}/${total}] ${ppl.toFixed(4)}\n`);
      },
    });
    bar?.stop();
    bar = undefined;
    if (f.json)
      process.stdout.write(
        `${JSON.stringify({ perplexity: r.perplexity, stderr: r.stderr, tokens: ids.length, scored: r.scored, chunks: r.chunks, ctx: r.ctx })}\n`,
      );
    else
      process.stdout.write(
        `Final estimate: PPL = ${r.perplexity.toFixed(4)} +/- ${r.stderr.toFixed(5)} (${r.chunks} chunks of ${r.ctx}, ${ids.length} tokens)\n`,
      );
  } finally {
    bar?.stop();
    process.removeListener('SIGINT', onSigint);
    m.dispose();
  }
}

export const evalCommand: CliCommand = {
  register(program: Command): void {
    program
      .command('eval')
      .description('perplexity of a text file (llama-perplexity method)')
      .option('-m, --model <path>', 'model: .gguf, Hugging Face directory or llama2.c .bin')
      .option('--text <file>', 'UTF-8 text file to score')
      .option('--ctx <n>', 'chunk size in tokens (default: 512 or the model context)')
      .option('--cache-type <type>', CACHE_TYPE_HELP)
      .option('--batch <n>', 'tokens per forward call (default: min(ctx, 512))')
      .option('--threads <n>', 'compute threads')
      .option('--backend <kind>', 'auto, wasm or js')
      .option('--json', 'print {"perplexity", "tokens", "ctx", ...} as one JSON object')
      .action((flags: EvalFlags) => run(flags));
  },
};
