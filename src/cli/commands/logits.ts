// `llmts logits -m MODEL --prompt-tokens 1,450,... [--top K] [--json]`: runs the prompt in one
// batch and prints, for every prompt position, the top-K (id, logit) and, for the last position,
// the full logits vector (the same quantities as llama.cpp's golden files).
import type { Command } from 'commander';
import { createBackend } from '../../backend/create.js';
import { UsageError } from '../../errors.js';
import { loadModel } from '../../models/loader.js';
import type { CliCommand } from '../command.js';

/** Parses "1,450,3" into ids; UsageError on anything else. */
export function parseTokenList(text: string, flag = '--prompt-tokens'): number[] {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length === 0 || parts.some((p) => !/^\d{1,10}$/.test(p))) {
    throw new UsageError(`${flag} must be comma-separated token ids, e.g. 1,450,3 (got "${text}")`, {
      field: flag,
    });
  }
  return parts.map(Number);
}

export function parsePositiveInt(text: string, flag: string, max = 1 << 30): number {
  if (!/^\d{1,10}$/.test(text.trim()) || Number(text) < 1 || Number(text) > max) {
    throw new UsageError(`${flag} must be an integer in 1..${max} (got "${text}")`, { field: flag });
  }
  return Number(text);
}

/** Indices of the k largest values, descending (ties: lower id first). */
export function topK(x: Float32Array, off: number, n: number, k: number): number[] {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = x[off + i]!;
    if (ids.length === k && v <= x[off + ids[k - 1]!]!) continue;
    let j = ids.length < k ? ids.length : k - 1;
    if (ids.length < k) ids.push(i);
    while (j > 0 && x[off + ids[j - 1]!]! < v) {
      ids[j] = ids[j - 1]!;
      j--;
    }
    ids[j] = i;
  }
  return ids;
}

export interface LogitsOpts {
  model: string;
  promptTokens?: string;
  prompt?: string;
  top: string;
  json?: boolean;
  backend: string;
  threads?: string;
  tokenizer?: string;
}

/** Runs the command; output goes through `write` (stdout in the CLI). */
export async function runLogits(o: LogitsOpts, write: (s: string) => void): Promise<void> {
  if ((o.promptTokens === undefined) === (o.prompt === undefined)) {
    throw new UsageError('give exactly one of --prompt-tokens IDS or --prompt TEXT', {
      field: '--prompt-tokens',
    });
  }
  const k = parsePositiveInt(o.top, '--top', 1 << 20);
  const ids = o.promptTokens !== undefined ? parseTokenList(o.promptTokens) : undefined;
  if (o.backend !== 'auto' && o.backend !== 'wasm' && o.backend !== 'js') {
    throw new UsageError(`--backend must be auto, wasm or js (got "${o.backend}")`, { field: '--backend' });
  }
  const backend = await createBackend({
    kind: o.backend,
    ...(o.threads !== undefined ? { threads: parsePositiveInt(o.threads, '--threads', 1024) } : {}),
  });
  try {
    const model = await loadModel(o.model, {
      backend,
      ...(o.tokenizer !== undefined ? { tokenizerPath: o.tokenizer } : {}),
    });
    try {
      let tokens = ids;
      if (tokens === undefined) {
        if (model.tokenizer === undefined) {
          throw new UsageError(`${o.model} has no tokenizer: use --prompt-tokens or --tokenizer FILE`);
        }
        tokens = model.tokenizer.encode(o.prompt!);
      }
      if (tokens.length === 0) throw new UsageError('the prompt is empty', { field: '--prompt' });
      const v = model.info.vocabSize;
      const s = model.newSession({ contextLength: Math.max(tokens.length, 1) });
      const all = s.forward(tokens, 'all');
      const kk = Math.min(k, v);
      const top = tokens.map((_, t) => topK(all, t * v, v, kk).map((id) => [id, all[t * v + id]!]));
      const last = Array.from(all.subarray((tokens.length - 1) * v, tokens.length * v));
      if (o.json) {
        write(`${JSON.stringify({ tokens, top, last_logits: last })}\n`);
      } else {
        const f = (x: number) => Number(x.toPrecision(7)).toString();
        top.forEach((row, t) => {
          write(`${t}\t${tokens[t]}\t${row.map(([id, lg]) => `${id}:${f(lg!)}`).join(' ')}\n`);
        });
        write(`last_logits\t${last.map(f).join(' ')}\n`);
      }
      s.dispose();
    } finally {
      model.dispose();
    }
  } finally {
    backend.dispose();
  }
}

export const logitsCommand: CliCommand = {
  register(program: Command): void {
    program
      .command('logits')
      .description('print top-K logits at every prompt position and the full last-position logits')
      .requiredOption('-m, --model <path>', 'model: .gguf, HF directory or llama2.c .bin')
      .option('--prompt-tokens <ids>', 'comma-separated token ids')
      .option('--prompt <text>', 'prompt text (tokenized with the model tokenizer)')
      .option('--top <k>', 'how many (id, logit) pairs per position', '10')
      .option('--json', 'print one JSON object {tokens, top, last_logits}')
      .option('--backend <kind>', 'auto, wasm or js', 'auto')
      .option('--threads <n>', 'compute threads')
      .option('--tokenizer <file>', 'tokenizer file to use instead of the model one')
      .action(async (opts: LogitsOpts) => {
        await runLogits(opts, (s) => process.stdout.write(s));
      });
  },
};
