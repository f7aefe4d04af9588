// `llmts bench tokenizers`: encode / decode MB/s on English (tinyshakespeare) and Chinese
// (全唐诗 poems) text for cl100k and o200k next to js-tiktoken and gpt-tokenizer in the same run,
// GPT-2 (encoder.json) and Llama-3 (tokenizer.json), and BPE training of a 16k vocabulary on the
// corpora (~25 MB; seconds and peak RSS). Speeds are CPU time (see cpuSeconds()). Flags: --quick (1 MB training text, fewer reps),
// --no-train.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { sharedPath } from '../testing/shared.js';
import { loadTokenizer } from '../tokenizers/load-node.js';
import { BpeTrainer } from '../tokenizers/train/bpe-trainer.js';
import type { Benchmark, BenchOptions, BenchResult } from './registry.js';

interface Coder {
  encode(s: string): number[];
  decode(ids: number[]): string;
}

/** Seconds of CPU time (user + system) of one call: on a shared machine wall time mostly
 * measures the neighbours, and all of this is single-threaded. */
function cpuSeconds(fn: () => unknown): number {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

function chinese(maxBytes: number): string {
  const dir = sharedPath('data', 'corpora', 'chinese-poetry', '全唐诗');
  if (dir === undefined) throw new UsageError('shared corpora absent (../shared/data/corpora)');
  const lines: string[] = [];
  let bytes = 0;
  for (const f of readdirSync(dir).filter((x) => x.startsWith('poet.tang'))) {
    const poems = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { paragraphs?: string[] }[];
    for (const p of poems) {
      for (const l of p.paragraphs ?? []) {
        lines.push(l);
        bytes += Buffer.byteLength(l) + 1;
      }
      if (bytes >= maxBytes) return lines.join('\n');
    }
  }
  return lines.join('\n');
}

function trainingFiles(): string[] {
  const out: string[] = [];
  const sh = sharedPath('data', 'corpora', 'tinyshakespeare', 'input.txt');
  if (sh) out.push(sh);
  const zh = sharedPath('data', 'corpora', 'chinese-poetry');
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.json')) out.push(p);
    }
  };
  if (zh) walk(zh);
  return out;
}

export const tokenizersBenchmark: Benchmark = {
  name: 'tokenizers',
  description: 'tokenizer encode/decode MB/s (vs js-tiktoken, gpt-tokenizer) and BPE training time',
  async run(opts: BenchOptions): Promise<void> {
    const quick = opts.flags.quick === true;
    const reps = quick ? 1 : 5;
    const tt = (n: string) => sharedPath('data', 'tokenizers', 'tiktoken', `${n}.tiktoken`);
    if (tt('cl100k_base') === undefined)
      throw new UsageError('shared tokenizer data absent (../shared/data/tokenizers)');
    const en = readFileSync(sharedPath('data', 'corpora', 'tinyshakespeare', 'input.txt')!, 'utf8');
    const zh = chinese(1 << 20);
    const texts: [string, string][] = [
      ['en', en],
      ['zh', zh],
    ];
    const results: BenchResult[] = [];
    const emit = (r: BenchResult) => {
      results.push(r);
      if (opts.json) console.log(JSON.stringify(r));
      else console.log(`${r.name.padEnd(44)} ${r.shape.padEnd(10)} ${String(r.value).padStart(9)} ${r.unit}`);
    };
    /**
     * Encode/decode MB/s of several coders on each text. Runs are interleaved round-robin
     * (ours, theirs, ours, ...) so that every library sees the same machine state; best of `reps`.
     */
    const measure = (coders: [string, Coder][]) => {
      for (const [lang, text] of texts) {
        const mb = Buffer.byteLength(text) / 1e6;
        const ids = coders.map(([, c]) => c.encode(text)); // warm-up
        const enc = coders.map(() => Number.POSITIVE_INFINITY);
        const dec = coders.map(() => Number.POSITIVE_INFINITY);
        for (let r = 0; r < reps; r++) {
          coders.forEach(([, c], k) => {
            enc[k] = Math.min(
              enc[k]!,
              cpuSeconds(() => c.encode(text)),
            );
            dec[k] = Math.min(
              dec[k]!,
              cpuSeconds(() => c.decode(ids[k]!)),
            );
          });
        }
        coders.forEach(([label], k) => {
          const row = (what: string, secs: number) =>
            emit({
              name: `${label} ${what}`,
              shape: lang,
              threads: 1,
              value: Math.round((mb / secs) * 100) / 100,
              unit: 'MB/s',
            });
          row('encode', enc[k]!);
          row('decode', dec[k]!);
        });
      }
    };
    const { Tiktoken } = await import('js-tiktoken/lite');
    for (const enc of ['cl100k_base', 'o200k_base'] as const) {
      const ours = loadTokenizer(tt(enc)!);
      const ranks = (await import(`js-tiktoken/ranks/${enc}`)) as {
        default: ConstructorParameters<typeof Tiktoken>[0];
      };
      const jt = new Tiktoken(ranks.default);
      const gt = (await import(`gpt-tokenizer/encoding/${enc}`)) as {
        encode: (s: string, o?: object) => number[];
        decode: (ids: number[]) => string;
      };
      const noSpecial = { disallowedSpecial: new Set() };
      measure([
        [`${enc} llmts`, { encode: (s) => ours.encode(s), decode: (ids) => ours.decode(ids) }],
        [`${enc} js-tiktoken`, { encode: (s) => jt.encode(s, [], []), decode: (ids) => jt.decode(ids) }],
        [`${enc} gpt-tokenizer`, { encode: (s) => gt.encode(s, noSpecial), decode: (ids) => gt.decode(ids) }],
      ]);
    }
    const gpt2 = loadTokenizer(sharedPath('data', 'tokenizers', 'gpt2', 'encoder.json')!);
    measure([
      ['gpt2 encoder.json llmts', { encode: (s) => gpt2.encode(s), decode: (ids) => gpt2.decode(ids) }],
    ]);
    const l3 = loadTokenizer(sharedPath('data', 'tokenizers', 'llama3', 'tokenizer.json')!);
    measure([
      [
        'llama3 tokenizer.json llmts',
        { encode: (s) => l3.encode(s, { addSpecial: false }), decode: (ids) => l3.decode(ids) },
      ],
    ]);

    if (opts.flags.train !== false && opts.flags['no-train'] !== true) {
      const files = trainingFiles();
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const trainer = new BpeTrainer({ vocabSize: 16384, specialTokens: ['<|endoftext|>'] });
      let bytes = 0;
      for (const f of files) {
        const s = readFileSync(f, 'utf8');
        bytes += Buffer.byteLength(s);
        trainer.addText(s);
        if (quick && bytes > 1 << 20) break;
      }
      const cpu1 = process.cpuUsage(cpu0);
      trainer.train();
      const cpu2 = process.cpuUsage(cpu0);
      const wall = (performance.now() - t0) / 1000;
      const rssMb = Math.round(process.resourceUsage().maxRSS / 1024);
      const shape = `${(bytes / 1e6).toFixed(1)}MB`;
      const sec = (c: NodeJS.CpuUsage) => Math.round((c.user + c.system) / 1e5) / 10;
      const row = (name: string, value: number, unit: string) =>
        emit({ name, shape, threads: 1, value, unit });
      row('bpe train 16k: read + count (CPU)', sec(cpu1), 's');
      row('bpe train 16k: total (CPU)', sec(cpu2), 's');
      row('bpe train 16k: total (wall)', Math.round(wall * 10) / 10, 's');
      row('bpe train 16k: peak RSS (process)', rssMb, 'MB');
    }
  },
};
