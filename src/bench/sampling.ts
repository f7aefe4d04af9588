// `llmts bench sampling`: ms per token of the sampling chain (default llama.cpp chain and greedy)
// on 32k and 151k vocabularies, and of the JSON-schema token mask on the real Qwen3 (151k) and
// Llama-3 (128k) vocabularies when the shared data is present (else a synthetic byte vocabulary).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createJsonConstraint } from '../generate/grammar/index.js';
import { createSamplerChain } from '../generate/samplers/chain.js';
import { Rng } from '../generate/samplers/rng.js';
import { sharedPath } from '../testing/shared.js';
import { loadTokenizer } from '../tokenizers/load-node.js';
import type { Tokenizer } from '../tokenizers/tokenizer.js';
import type { Benchmark, BenchOptions, BenchResult } from './registry.js';

const enc = new TextEncoder();

function timeIt(n: number, fn: () => void): number {
  fn();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn();
  return (performance.now() - t0) / n;
}

const SCHEMA = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    age: { type: 'integer' },
    tags: { type: 'array', items: { type: 'string', maxLength: 20 } },
    kind: { enum: ['person', 'robot'] },
  },
  required: ['name', 'age'],
  additionalProperties: false,
};

// Prefixes that put the automaton in different states (value start, free string, key, number).
const PREFIXES = [
  '',
  '{"name": "Ali',
  '{"name": "Alice", "',
  '{"name": "Alice", "age": 4',
  '{"name": "A", "tags": ["x',
];

function maskBench(label: string, tok: Tokenizer, emit: (r: BenchResult) => void): void {
  const t0 = performance.now();
  const c = createJsonConstraint(tok, SCHEMA, tok.eosId === undefined ? [] : [tok.eosId]);
  const build = performance.now() - t0;
  emit({
    name: 'json-mask-build',
    shape: `${label} vocab ${tok.vocabSize}`,
    threads: 1,
    value: build,
    unit: 'ms',
  });
  for (const p of PREFIXES) {
    c.machine.reset();
    if (!c.machine.feed(enc.encode(p))) throw new Error(`bench prefix rejected: ${p}`);
    const ms = timeIt(20, () => c.computeMask());
    let allowed = 0;
    for (const a of c.allowed) allowed += a;
    emit({
      name: 'json-mask',
      shape: `${label} after ${JSON.stringify(p)}`,
      threads: 1,
      value: ms,
      unit: 'ms/token',
      allowed,
    });
  }
}

export const samplingBenchmark: Benchmark = {
  name: 'sampling',
  description: 'sampling chain and JSON-schema mask, ms per token',
  async run(opts: BenchOptions): Promise<void> {
    const rows: BenchResult[] = [];
    const emit = (r: BenchResult): void => {
      rows.push(r);
      if (opts.json) console.log(JSON.stringify(r));
    };
    for (const vocab of [32000, 151936]) {
      const rng = new Rng(1);
      const logits = Float32Array.from({ length: vocab }, () => rng.nextFloat() * 10);
      const dflt = createSamplerChain(vocab, { seed: 1, repeatPenalty: 1.1 });
      emit({
        name: 'chain-default',
        shape: `vocab ${vocab}`,
        threads: 1,
        value: timeIt(50, () => dflt.accept(dflt.sample(logits))),
        unit: 'ms/token',
      });
      const greedy = createSamplerChain(vocab, { temperature: 0 });
      emit({
        name: 'chain-greedy',
        shape: `vocab ${vocab}`,
        threads: 1,
        value: timeIt(50, () => greedy.sample(logits)),
        unit: 'ms/token',
      });
      const full = createSamplerChain(vocab, { seed: 1, topK: 0, minP: 0 });
      emit({
        name: 'chain-top-p-full-sort',
        shape: `vocab ${vocab}`,
        threads: 1,
        value: timeIt(10, () => full.sample(logits)),
        unit: 'ms/token',
      });
    }
    for (const name of ['qwen3', 'llama3']) {
      const file = sharedPath('data', 'tokenizers', name, 'tokenizer.json');
      if (file && existsSync(join(file, '..'))) maskBench(name, loadTokenizer(file), emit);
    }
    if (!opts.json)
      for (const r of rows)
        console.log(`${r.name.padEnd(22)} ${r.shape.padEnd(48)} ${r.value.toFixed(3)} ${r.unit}`);
  },
};
