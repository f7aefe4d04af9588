// `llmts chat [-m MODEL]`: an interactive conversation on a TTY or over piped stdin. A line ending
// in a backslash continues on the next line; /reset forgets the conversation; /exit quits.
// Ctrl-C stops the current reply (at the prompt it quits).
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { LlmtsError } from '../../errors.js';
import { ChatSession } from '../../generate/chat.js';
import {
  addSamplingOptions,
  openModel,
  parseNumber,
  resolveModelPath,
  type SamplingFlags,
  samplingFromFlags,
} from '../../generate/node/cli-model.js';
import { CACHE_TYPE_HELP, parseCacheType } from '../cache-type.js';
import type { CliCommand } from '../command.js';

interface ChatFlags extends SamplingFlags {
  model?: string;
  system?: string;
  chatTemplate?: string;
  maxTokens?: string;
  ctx?: string;
  cacheType?: string;
  threads?: string;
  backend?: string;
  slidingWindow?: boolean;
}

async function run(f: ChatFlags): Promise<void> {
  const sampling = samplingFromFlags(f);
  const maxTokens = parseNumber('--max-tokens', f.maxTokens, { int: true, min: -1 });
  const ctx = parseNumber('--ctx', f.ctx, { int: true, min: 1, max: 1 << 22 });
  const cacheType = parseCacheType(f.cacheType);
  const threads = parseNumber('--threads', f.threads, { int: true, min: 1, max: 256 });
  const m = await openModel(resolveModelPath(f.model), { threads, backend: f.backend });
  const tty = process.stdin.isTTY === true;
  const rl = createInterface({
    input: process.stdin,
    output: tty ? process.stdout : undefined,
    terminal: tty,
  });
  let current: AbortController | undefined;
  // Ctrl-C: stop the current reply; at the prompt, quit. On a TTY readline sees it as a key;
  // otherwise it arrives as a signal.
  const onInterrupt = (): void => {
    if (current) current.abort();
    else rl.close();
  };
  rl.on('SIGINT', onInterrupt);
  process.on('SIGINT', onInterrupt);
  try {
    const chat = new ChatSession(m.model, {
      system: f.system,
      fallbackTemplate: f.chatTemplate,
      contextLength: ctx ?? Math.min(m.model.info.contextLength, 4096),
      cacheType,
      slidingWindow: f.slidingWindow,
    });
    const lines = rl[Symbol.asyncIterator]();
    const prompt = (): void => {
      if (tty) process.stdout.write('> ');
    };
    prompt();
    for (;;) {
      // Collect one message (trailing backslash = continue on the next line).
      const parts: string[] = [];
      let eof = false;
      for (;;) {
        const next = await lines.next();
        if (next.done) {
          eof = true;
          break;
        }
        const line = next.value;
        if (line.endsWith('\\')) {
          parts.push(line.slice(0, -1));
          if (tty) process.stdout.write('. ');
          continue;
        }
        parts.push(line);
        break;
      }
      if (eof && parts.length === 0) break;
      const message = parts.join('\n');
      const cmd = message.trim();
      if (cmd === '/exit' || cmd === '/quit') break;
      if (cmd === '/reset') {
        chat.reset();
        process.stderr.write('llmts: conversation reset\n');
        prompt();
        continue;
      }
      if (cmd === '') {
        prompt();
        if (eof) break;
        continue;
      }
      current = new AbortController();
      try {
        const stream = chat.send(message, {
          ...sampling,
          maxTokens: maxTokens === undefined || maxTokens < 0 ? undefined : maxTokens,
          signal: current.signal,
        });
        for await (const piece of stream) if (piece.text) process.stdout.write(piece.text);
        const r = await stream.result;
        process.stdout.write('\n');
        if (r.finishReason === 'abort') process.stderr.write('llmts: reply stopped\n');
      } catch (e) {
        // A turn that does not fit the context is reported and the chat goes on.
        if (!(e instanceof LlmtsError)) throw e;
        process.stderr.write(`llmts: ${e.message}\n`);
      } finally {
        current = undefined;
      }
      if (eof) break;
      prompt();
    }
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    rl.close();
    m.dispose();
  }
}

export const chatCommand: CliCommand = {
  register(program: Command): void {
    const cmd = program
      .command('chat')
      .description('chat with a model (interactive, or messages from piped stdin one per line)')
      .option('-m, --model <path>', 'model: .gguf, Hugging Face directory or llama2.c .bin')
      .option('--system <text>', 'system message')
      .option(
        '--chat-template <name|jinja>',
        'template when the model has none: chatml, llama2, plain or Jinja source',
      )
      .option('-n, --max-tokens <n>', 'most tokens per reply (default: until end of turn)')
      .option('--ctx <n>', 'context size in tokens (default: the model’s, at most 4096)')
      .option('--cache-type <type>', CACHE_TYPE_HELP)
      .option('--sliding-window', 'drop the oldest turns when the context is full (default: error)')
      .option('--threads <n>', 'compute threads')
      .option('--backend <kind>', 'auto, wasm or js');
    addSamplingOptions(cmd).action((flags: ChatFlags) => run(flags));
  },
};
