// `llmts tokenize --tokenizer FILE [TEXT]`: prints the ids and pieces of TEXT (or stdin).
//   --json      prints {"ids": [...]}
//   --lines     each stdin line is its own text (escapes \n \r \t \\ decoded); one JSON object per line
//   --special   special-token text (<|endoftext|>, <s> ...) maps to its id
//   --bos / --no-bos   force / suppress the tokenizer's BOS (and EOS) tokens
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { BaseTokenizer } from '../../tokenizers/base.js';
import { loadTokenizer } from '../../tokenizers/load-node.js';
import type { CliCommand } from '../command.js';

interface TokenizeOptions {
  tokenizer?: string;
  json?: boolean;
  lines?: boolean;
  special?: boolean;
  bos?: boolean;
}

/** Decodes the escapes \n, \r, \t and \\ of one --lines input line. */
export function unescapeLine(s: string): string {
  return s.replace(/\\([nrt\\])/g, (_m, c: string) =>
    c === 'n' ? '\n' : c === 'r' ? '\r' : c === 't' ? '\t' : '\\',
  );
}

export function encodeWith(tok: BaseTokenizer, text: string, o: TokenizeOptions): number[] {
  const allowSpecial = o.special === true;
  if (o.bos === false) return tok.encode(text, { addSpecial: false, allowSpecial });
  const ids = tok.encode(text, { addSpecial: true, allowSpecial });
  if (o.bos === true && tok.bosId !== undefined && ids[0] !== tok.bosId) ids.unshift(tok.bosId);
  return ids;
}

function readStdin(): string {
  try {
    return new TextDecoder().decode(readFileSync(0));
  } catch (e) {
    throw new UsageError(`cannot read standard input: ${(e as Error).message}`, { field: 'stdin' });
  }
}

export const tokenizeCommand: CliCommand = {
  register(program: Command): void {
    program
      .command('tokenize')
      .description(
        'print token ids and pieces (tokenizer.json, .gguf, encoder.json, .tiktoken, tokenizer.bin, .model)',
      )
      .argument('[text]', 'text to tokenize (default: standard input)')
      .requiredOption('--tokenizer <file>', 'tokenizer file or folder')
      .option('--json', 'print {"ids": [...]}')
      .option(
        '--lines',
        'tokenize each stdin line separately (escapes \\n \\r \\t \\\\), one JSON object per line',
      )
      .option('--special', 'map special-token text to its id')
      .option('--bos', 'add BOS even if the tokenizer does not')
      .option('--no-bos', 'add no BOS/EOS')
      .action((text: string | undefined, o: TokenizeOptions) => {
        const tok = loadTokenizer(o.tokenizer!);
        if (o.lines) {
          if (text !== undefined)
            throw new UsageError('--lines reads standard input; give no TEXT', { field: 'lines' });
          const lines = readStdin().split('\n');
          if (lines[lines.length - 1] === '') lines.pop();
          const out: string[] = [];
          for (const line of lines) out.push(JSON.stringify({ ids: encodeWith(tok, unescapeLine(line), o) }));
          process.stdout.write(out.length > 0 ? `${out.join('\n')}\n` : '');
          return;
        }
        const ids = encodeWith(tok, text ?? readStdin(), o);
        if (o.json) {
          process.stdout.write(`${JSON.stringify({ ids })}\n`);
          return;
        }
        const piece = (id: number) => new TextDecoder().decode(tok.tokenBytes(id));
        const rows = ids.map((id) => `${String(id).padStart(6)} -> ${JSON.stringify(piece(id))}`);
        process.stdout.write(rows.length > 0 ? `${rows.join('\n')}\n` : '');
      });
  },
};
