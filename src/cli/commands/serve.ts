// `llmts serve -m MODEL [-m MODEL2 ...]`: the OpenAI-compatible HTTP server (src/server). Listens
// first (GET /health answers 503 while the models load), then loads, then serves. SIGTERM/SIGINT
// drain: new requests get 503, running generations finish (bounded by --drain-timeout), then exit.
import { basename, extname } from 'node:path';
import type { Command } from 'commander';
import { createBackend } from '../../backend/create.js';
import { UsageError } from '../../errors.js';
import { parseNumber, resolveModelPath } from '../../generate/node/cli-model.js';
import type { CausalLM } from '../../models/causal-lm.js';
import { loadModel } from '../../models/loader.js';
import { LlmServer } from '../../server/app.js';
import { isLoopback } from '../../server/auth.js';
import { CACHE_TYPE_HELP, parseCacheType } from '../cache-type.js';
import type { CliCommand } from '../command.js';

interface ServeFlags {
  model: string[];
  modelAlias: string[];
  lora: string[];
  host: string;
  port: string;
  apiKey?: string;
  ctx?: string;
  parallel?: string;
  queue?: string;
  threads?: string;
  backend?: string;
  chatTemplate?: string;
  drainTimeout?: string;
  verbose?: boolean;
  timeout?: string;
  cacheType?: string;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

function warnExposed(host: string): void {
  const bar = '!'.repeat(78);
  process.stderr.write(
    `${bar}\nllmts: WARNING: serving on ${host} WITHOUT an API key.\n` +
      "Anyone who can reach this address can use the models and the machine's CPU.\n" +
      'Set --api-key KEY (or LLMTS_API_KEY) or bind 127.0.0.1.\n' +
      `${bar}\n`,
  );
}

async function run(f: ServeFlags): Promise<void> {
  const port = parseNumber('--port', f.port, { int: true, min: 0, max: 65535 })!;
  const ctx = parseNumber('--ctx', f.ctx, { int: true, min: 8, max: 1 << 22 });
  const parallel = parseNumber('--parallel', f.parallel, { int: true, min: 1, max: 256 });
  const queue = parseNumber('--queue', f.queue, { int: true, min: 0, max: 100_000 });
  const threads = parseNumber('--threads', f.threads, { int: true, min: 1, max: 256 });
  const drain = parseNumber('--drain-timeout', f.drainTimeout, { min: 0, max: 3600 }) ?? 30;
  const timeout = parseNumber('--timeout', f.timeout, { min: 0.1, max: 86_400 }) ?? 600;
  const cacheType = parseCacheType(f.cacheType);
  const kind = f.backend ?? 'auto';
  if (kind !== 'auto' && kind !== 'wasm' && kind !== 'js')
    throw new UsageError(`--backend must be auto, wasm or js, got ${kind}`, { field: '--backend' });
  if (f.model.length === 0) f.model.push(resolveModelPath(undefined));
  const paths = f.model.map((p) => resolveModelPath(p));
  if (f.modelAlias.length > paths.length)
    throw new UsageError(`${f.modelAlias.length} --model-alias for ${paths.length} models`, {
      field: '--model-alias',
    });
  const keyText = f.apiKey ?? process.env.LLMTS_API_KEY ?? '';
  const apiKeys = keyText
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k.length > 0);
  if (keyText.trim() !== '' && apiKeys.length === 0)
    throw new UsageError('--api-key is empty', { field: '--api-key' });
  const host = f.host;
  if (!isLoopback(host) && apiKeys.length === 0) warnExposed(host);

  const server = new LlmServer({
    apiKeys,
    host,
    parallel,
    queue,
    maxRequestMs: timeout * 1000,
    logger: f.verbose === true,
  });
  const url = await server.listen(port, host);
  process.stderr.write(
    `llmts: listening on ${url} (loading ${paths.length} model${paths.length > 1 ? 's' : ''})\n`,
  );

  let stopping: Promise<void> | undefined;
  const models: CausalLM[] = [];
  const done = new Promise<void>((resolve) => {
    const stop = (sig: string): void => {
      if (stopping !== undefined) {
        process.stderr.write(`llmts: ${sig} again: exiting now\n`);
        process.exit(130);
      }
      process.stderr.write(`llmts: ${sig}: draining (up to ${drain} s)\n`);
      stopping = server.close(drain * 1000).then(() => {
        for (const m of models) m.dispose();
        process.stderr.write('llmts: stopped\n');
        resolve();
      });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });

  const backend = await createBackend({ kind, threads });
  // A model that fails to load (or is refused) stops the server: close the socket, free what was
  // loaded, and let the CLI print the typed error and exit non-zero.
  try {
    const seen = new Set<string>();
    for (const [i, path] of paths.entries()) {
      if (stopping) break;
      const model = await loadModel(path, { backend });
      models.push(model);
      const base = basename(path, extname(path));
      const id = f.modelAlias[i] ?? base;
      const aliases = id !== base && !seen.has(base) ? [base] : [];
      for (const n of [id, ...aliases]) {
        if (seen.has(n))
          throw new UsageError(`two models are named ${n}: use --model-alias`, { field: '--model-alias' });
        seen.add(n);
      }
      if (cacheType !== undefined) {
        model.newSession({ contextLength: 1, cacheType }).dispose(); // fail now, not per request
      }
      server.addModel({ id, aliases, model, contextLength: ctx, chatTemplate: f.chatTemplate, cacheType });
      process.stderr.write(`llmts: loaded ${id} (${path})\n`);
    }
    // LoRA adapters on the first model: each is served as its own model id (base + adapter merged
    // in memory at load time).
    for (const spec of f.lora) {
      if (stopping) break;
      const eq = spec.indexOf('=');
      if (eq <= 0) throw new UsageError(`--lora takes NAME=DIR, got "${spec}"`, { field: '--lora' });
      const name = spec.slice(0, eq);
      const dir = spec.slice(eq + 1);
      if (seen.has(name)) throw new UsageError(`two models are named ${name}`, { field: '--lora' });
      const { mergedGgufBytes } = await import('../../train/finetune/merge-node.js');
      const model = await loadModel(mergedGgufBytes(paths[0]!, dir), { backend });
      models.push(model);
      seen.add(name);
      server.addModel({
        id: name,
        aliases: [],
        model,
        contextLength: ctx,
        chatTemplate: f.chatTemplate,
        cacheType,
      });
      process.stderr.write(`llmts: loaded adapter ${name} (${dir}) on ${paths[0]}\n`);
    }
  } catch (e) {
    await server.close(0);
    for (const m of models) m.dispose();
    backend.dispose();
    throw e;
  }
  if (!stopping) {
    server.setReady();
    process.stderr.write(`llmts: ready on ${url}${apiKeys.length > 0 ? ' (API key required)' : ''}\n`);
  }
  await done;
  backend.dispose();
}

export const serveCommand: CliCommand = {
  register(program: Command): void {
    program
      .command('serve')
      .description(
        'OpenAI-compatible HTTP server (chat, completions, embeddings, streaming) with a chat page at /',
      )
      .option('-m, --model <path>', 'model file or directory (repeat to serve several)', collect, [])
      .option('--model-alias <name>', 'the id clients use for the n-th -m model (repeatable)', collect, [])
      .option(
        '--lora <name=dir>',
        'serve a PEFT LoRA adapter on the first model as model NAME (repeatable)',
        collect,
        [],
      )
      .option('--host <host>', 'address to bind (default 127.0.0.1; another needs --api-key)', '127.0.0.1')
      .option('--port <port>', 'port (0 = any free port)', '8080')
      .option('--api-key <keys>', 'required API key(s), comma-separated (or LLMTS_API_KEY)')
      .option('--ctx <n>', 'KV-cache size per sequence (default: the model context)')
      .option('--cache-type <type>', CACHE_TYPE_HELP)
      .option('--parallel <n>', 'sequences generated at once per model (default 4)')
      .option('--queue <n>', 'sequences waiting per model before 429 (default 32)')
      .option('--threads <n>', 'compute threads')
      .option('--backend <kind>', 'auto | wasm | js', 'auto')
      .option('--chat-template <name>', 'chatml | llama2 | plain | Jinja source, for models without one')
      .option('--drain-timeout <s>', 'seconds to finish running requests on SIGTERM (default 30)')
      .option('--timeout <s>', 'generation time limit per request, then finish_reason "length" (default 600)')
      .option('--verbose', 'log every request (JSON lines on stdout)')
      .action((f: ServeFlags) => run(f));
  },
};
