// `llmts generate [-m MODEL] [PROMPT]`: streams a completion to stdout, tokens/s to stderr.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { chatPromptIds } from '../../generate/chat-prompt.js';
import { type GenerateOptions, generate } from '../../generate/generate.js';
import type { JsonSchema } from '../../generate/grammar/index.js';
import { compileJsonSchema } from '../../generate/grammar/index.js';
import {
  addSamplingOptions,
  openModel,
  parseNumber,
  parseTokenList,
  resolveModelPath,
  type SamplingFlags,
  samplingFromFlags,
} from '../../generate/node/cli-model.js';
import { resolveChatTemplate } from '../../tokenizers/chat-template.js';
import { CACHE_TYPE_HELP, parseCacheType } from '../cache-type.js';
import type { CliCommand } from '../command.js';

interface GenerateFlags extends SamplingFlags {
  model?: string;
  promptTokens?: string;
  maxTokens?: string;
  stop: string[];
  jsonSchema?: string;
  jsonMode?: boolean;
  system?: string;
  chatTemplate?: string;
  draft?: string;
  draftN?: string;
  threads?: string;
  ctx?: string;
  cacheType?: string;
  backend?: string;
  json?: boolean;
  ignoreEos?: boolean;
  special?: boolean;
  logitBias: string[];
}

/** Parses llama.cpp-style `--logit-bias ID+BIAS` / `ID-BIAS` / `ID-inf`. */
function parseLogitBias(items: readonly string[], vocab: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const item of items) {
    const m = /^(\d+)([+-])(inf|\d+(?:\.\d+)?)$/i.exec(item.trim());
    if (!m)
      throw new UsageError(`--logit-bias expects ID+BIAS or ID-BIAS, got "${item}"`, {
        field: '--logit-bias',
      });
    const id = Number(m[1]);
    if (id >= vocab)
      throw new UsageError(`--logit-bias: id ${id} is outside the vocabulary (${vocab})`, {
        field: '--logit-bias',
      });
    const mag = m[3]!.toLowerCase() === 'inf' ? Number.POSITIVE_INFINITY : Number(m[3]);
    out.set(id, m[2] === '-' ? -mag : mag);
  }
  return out;
}

function readSchema(file: string): JsonSchema {
  let text: string;
  try {
    const buf = readFileSync(file);
    if (buf.length > 16 * 1024 * 1024) throw new Error(`${buf.length} bytes is larger than 16 MiB`);
    text = buf.toString('utf8');
  } catch (e) {
    throw new UsageError(`cannot read --json-schema ${file}: ${(e as Error).message}`, {
      field: '--json-schema',
      file,
    });
  }
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--json-schema ${file} is not JSON: ${(e as Error).message}`, {
      field: '--json-schema',
      file,
    });
  }
  if (typeof schema !== 'boolean' && (typeof schema !== 'object' || schema === null || Array.isArray(schema)))
    throw new UsageError(`--json-schema ${file} must hold a JSON object`, { field: '--json-schema', file });
  compileJsonSchema(schema as JsonSchema); // fail early with the schema path
  return schema as JsonSchema;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function run(words: string[], f: GenerateFlags): Promise<void> {
  const sampling = samplingFromFlags(f);
  const maxTokens = parseNumber('--max-tokens', f.maxTokens, { int: true, min: -1 });
  const threads = parseNumber('--threads', f.threads, { int: true, min: 1, max: 256 });
  const ctx = parseNumber('--ctx', f.ctx, { int: true, min: 1, max: 1 << 22 });
  const cacheType = parseCacheType(f.cacheType);
  const nDraft = parseNumber('--draft-n', f.draftN, { int: true, min: 1, max: 64 });
  if (f.promptTokens !== undefined && words.length > 0)
    throw new UsageError('give either a text PROMPT or --prompt-tokens, not both', {
      field: '--prompt-tokens',
    });
  if (f.jsonSchema !== undefined && f.jsonMode)
    throw new UsageError('--json-schema and --json-mode exclude each other');
  const schema = f.jsonSchema !== undefined ? readSchema(f.jsonSchema) : undefined;
  const modelPath = resolveModelPath(f.model);
  const main = await openModel(modelPath, { threads, backend: f.backend });
  const draft = f.draft
    ? await openModel(resolveModelPath(f.draft), { sharedBackend: main.backend }).catch((e) => {
        main.dispose();
        throw e;
      })
    : undefined;
  const ac = new AbortController();
  const onSigint = (): void => ac.abort();
  process.once('SIGINT', onSigint);
  try {
    const model = main.model;
    let prompt: string | number[];
    if (f.promptTokens !== undefined) prompt = parseTokenList(f.promptTokens, model.info.vocabSize);
    else {
      let text = words.join(' ');
      if (words.length === 0 && !process.stdin.isTTY) text = await readStdin();
      if (f.system !== undefined) {
        const tok = model.tokenizer;
        if (!tok) throw new UsageError('--system needs a model with a tokenizer', { field: '--system' });
        const tpl = resolveChatTemplate(tok.chatTemplate, f.chatTemplate);
        prompt = chatPromptIds(tok, tpl, [
          { role: 'system', content: f.system },
          { role: 'user', content: text },
        ]);
      } else prompt = text;
    }
    const opts: GenerateOptions = {
      ...sampling,
      maxTokens: maxTokens === undefined || maxTokens < 0 ? undefined : maxTokens,
      stop: f.stop,
      signal: ac.signal,
      contextLength: ctx ?? Math.min(model.info.contextLength, 4096),
      cacheType,
      ignoreEos: f.ignoreEos,
      special: f.special,
    };
    if (f.logitBias.length > 0) opts.logitBias = parseLogitBias(f.logitBias, model.info.vocabSize);
    if (schema !== undefined) opts.json = schema;
    else if (f.jsonMode) opts.json = true;
    if (draft) opts.draft = { model: draft.model, nDraft };
    const stream = generate(model, prompt, opts);
    for await (const piece of stream) if (!f.json && piece.text) process.stdout.write(piece.text);
    const r = await stream.result;
    const t = r.timings;
    if (f.json) {
      const out: Record<string, unknown> = {
        tokens: r.tokens,
        text: r.text,
        finish_reason: r.finishReason,
        timings: {
          prompt_tokens: t.promptTokens,
          prompt_ms: t.promptMs,
          prompt_tokens_per_second: t.promptTokensPerSecond,
          generated_tokens: t.generatedTokens,
          generate_ms: t.generateMs,
          tokens_per_second: t.tokensPerSecond,
        },
        seed: r.seed,
      };
      if (r.speculative) out.speculative = r.speculative;
      process.stdout.write(`${JSON.stringify(out)}\n`);
    } else {
      process.stdout.write('\n');
      let line = `llmts: ${t.promptTokens} prompt tokens at ${t.promptTokensPerSecond.toFixed(1)} tok/s, ${t.generatedTokens} generated at ${t.tokensPerSecond.toFixed(1)} tok/s (${r.finishReason})`;
      if (r.speculative)
        line += `, draft acceptance ${(100 * r.speculative.acceptanceRate).toFixed(1)}% (${r.speculative.accepted}/${r.speculative.drafted})`;
      process.stderr.write(`${line}\n`);
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
    draft?.dispose();
    main.dispose();
  }
}

export const generateCommand: CliCommand = {
  register(program: Command): void {
    const cmd = program
      .command('generate')
      .description('generate a continuation of PROMPT (or stdin) and stream it to stdout')
      .argument('[prompt...]', 'prompt text')
      .option('-m, --model <path>', 'model: .gguf, Hugging Face directory or llama2.c .bin')
      .option('--prompt-tokens <ids>', 'prompt as comma-separated token ids instead of text')
      .option('-n, --max-tokens <n>', 'most tokens to generate (default: until EOS or a full context)')
      .option(
        '--stop <s>',
        'stop string (repeatable)',
        (v: string, prev: string[]) => prev.concat([v]),
        [] as string[],
      )
      .option('--json-schema <file>', 'constrain the output to this JSON Schema')
      .option('--json-mode', 'constrain the output to a JSON object')
      .option('--system <text>', "system message (the prompt goes through the model's chat template)")
      .option(
        '--chat-template <name|jinja>',
        'template when the model has none: chatml, llama2, plain or Jinja source',
      )
      .option('--draft <path>', 'draft model for speculative decoding (same vocabulary)')
      .option('--draft-n <n>', 'tokens drafted per step (default 8)')
      .option('--threads <n>', 'compute threads')
      .option('--ctx <n>', 'context size in tokens (default: the model’s, at most 4096)')
      .option('--cache-type <type>', CACHE_TYPE_HELP)
      .option('--backend <kind>', 'auto, wasm or js')
      .option('--ignore-eos', 'keep generating past end-of-generation tokens')
      .option('--special', 'print special tokens (BOS, <|im_start|> ...) in the output')
      .option(
        '--logit-bias <id+bias>',
        'add a bias to a token, e.g. 13+1.5 or 2-inf (repeatable)',
        (v: string, prev: string[]) => prev.concat([v]),
        [] as string[],
      )
      .option('--json', 'print one JSON object with tokens, text, finish_reason and timings');
    addSamplingOptions(cmd).action((words: string[], flags: GenerateFlags) => run(words, flags));
  },
};
