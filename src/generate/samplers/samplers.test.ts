// Each sampler against the expected values of llama.cpp's tests/test-sampling.cpp, plus the
// chain order, greedy ties and seeded determinism.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Candidates } from './candidates.js';
import { createSamplerChain } from './chain.js';
import { DistSampler } from './dist.js';
import { GreedySampler } from './greedy.js';
import { LogitBiasSampler } from './logit-bias.js';
import { MinPSampler } from './min-p.js';
import { PenaltiesSampler } from './penalties.js';
import { Rng } from './rng.js';
import type { Sampler } from './sampler.js';
import { TemperatureSampler } from './temperature.js';
import { TopKSampler } from './top-k.js';
import { TopPSampler } from './top-p.js';
import { TypicalSampler } from './typical.js';

function fromProbs(probs: number[]): Candidates {
  const c = new Candidates(probs.length);
  c.load(probs.map((p) => Math.log(p)));
  return c;
}

function probsAfter(c: Candidates): number[] {
  c.sorted = false;
  c.softmax();
  return Array.from(c.probs.subarray(0, c.size));
}

function close(actual: number[], expected: number[], tol: number): void {
  assert.equal(actual.length, expected.length, `sizes ${actual} vs ${expected}`);
  for (let i = 0; i < actual.length; i++)
    assert.ok(Math.abs(actual[i]! - expected[i]!) < tol, `at ${i}: ${actual} vs ${expected}`);
}

// test_top_k / test_top_p / test_typical: softmax first, then the sampler; compare c.probs as is.
function run(probs: number[], s: Sampler, softmaxFirst: boolean): Candidates {
  const c = fromProbs(probs);
  if (softmaxFirst) c.softmax();
  s.apply(c);
  return c;
}

const P4 = [0.1, 0.2, 0.3, 0.4];

describe('samplers (llama.cpp test-sampling.cpp cases)', () => {
  it('top-k', () => {
    close(Array.from(run(P4, new TopKSampler(1), true).probs.subarray(0, 1)), [0.4], 1e-5);
    const c = run(P4, new TopKSampler(3), true);
    close(Array.from(c.probs.subarray(0, c.size)), [0.4, 0.3, 0.2], 1e-5);
    // Unsorted input: top-k sorts itself.
    const u = run(P4, new TopKSampler(2), false);
    assert.deepEqual(Array.from(u.ids.subarray(0, u.size)), [3, 2]);
  });

  it('top-p', () => {
    const cases: [number, number[]][] = [
      [0, [0.4]],
      [0.7, [0.4, 0.3]],
      [0.8, [0.4, 0.3, 0.2]],
      [1, [0.4, 0.3, 0.2, 0.1]],
    ];
    for (const [p, exp] of cases) {
      const c = run(P4, new TopPSampler(p, 1), true);
      close(Array.from(c.probs.subarray(0, c.size)), exp, 1e-3);
    }
  });

  it('min-p', () => {
    const cases: [number, number[]][] = [
      [0.0, [0.4, 0.3, 0.2, 0.1]],
      [0.24, [0.4, 0.3, 0.2, 0.1]],
      [0.26, [0.4 / 0.9, 0.3 / 0.9, 0.2 / 0.9]],
      [0.49, [0.4 / 0.9, 0.3 / 0.9, 0.2 / 0.9]],
      [0.51, [0.4 / 0.7, 0.3 / 0.7]],
      [0.74, [0.4 / 0.7, 0.3 / 0.7]],
      [0.76, [1]],
      [1.0, [1]],
    ];
    for (const [p, exp] of cases) {
      close(probsAfter(run(P4, new MinPSampler(p, 1), false)), exp, 1e-3);
      close(probsAfter(run(P4, new MinPSampler(p, 1), true)), exp, 1e-3); // sorted path
    }
  });

  it('typical-p', () => {
    let c = run([0.97, 0.01, 0.01, 0.01], new TypicalSampler(0.5, 1), false);
    close(Array.from(c.probs.subarray(0, c.size)), [0.97], 1e-3);
    c = run([0.4, 0.2, 0.2, 0.2], new TypicalSampler(0.5, 1), false);
    close(Array.from(c.probs.subarray(0, c.size)), [0.2, 0.2, 0.2], 1e-3);
  });

  it('repetition, frequency and presence penalties', () => {
    const P5 = [0.2, 0.2, 0.2, 0.2, 0.2];
    const cases: [number[], number[], number, number, number][] = [
      [[0], [0.25, 0.25, 0.25, 0.25, 0], 50, 0, 0],
      [[0, 1, 2], [0.5, 0.5, 0, 0, 0], 50, 0, 0],
      [[0, 1, 2, 0, 0], [0.5, 0.5, 0, 0, 0], 50, 0, 0],
      [[0], [0.249997, 0.249997, 0.249997, 0.249997, 0.000011], 1, 5, 5],
      [[0, 1, 2], [0.499966, 0.499966, 0.000023, 0.000023, 0.000023], 1, 5, 5],
      [[0, 1, 2, 0, 0], [0.499977, 0.499977, 0.000023, 0.000023, 0.0], 1, 5, 5],
    ];
    for (const [last, exp, rep, freq, pres] of cases) {
      const s = new PenaltiesSampler(5, 64, rep, freq, pres);
      for (const t of last) s.accept(t);
      const c = fromProbs(P5);
      c.softmax();
      s.apply(c);
      close(probsAfter(c), exp, 1e-3);
    }
  });

  it('penalty window forgets tokens older than lastN', () => {
    const s = new PenaltiesSampler(4, 2, 1, 10, 0);
    for (const t of [0, 1, 2]) s.accept(t); // window [1, 2]
    const c = new Candidates(4);
    c.load([0, 0, 0, 0]);
    s.apply(c);
    assert.deepEqual(Array.from(c.logits), [0, -10, -10, 0]);
  });

  it('sampler queue (k, p, m in every order) keeps the expected ranges', () => {
    // test_sampler_queue: logits = log(id) over 10000 tokens.
    const n = 10000;
    const make = (): Candidates => {
      const c = new Candidates(n);
      const l = new Float32Array(n);
      for (let i = 0; i < n; i++) l[i] = Math.log(i);
      c.load(l);
      return c;
    };
    for (const seq of ['kp', 'km', 'pk', 'pm', 'mk', 'mp', 'kpm', 'kmp', 'pkm', 'pmk', 'mkp', 'mpk']) {
      const topK = 100;
      const topP = 0.8;
      const minP = 0.1;
      const c = make();
      let minId = 0;
      const maxId = n - 1;
      for (const s of seq) {
        if (s === 'k') new TopKSampler(topK).apply(c);
        if (s === 'p') new TopPSampler(topP, 1).apply(c);
        if (s === 'm') new MinPSampler(minP, 1).apply(c);
        c.sorted = false;
        c.softmax();
        const size = c.size;
        if (s === 'k') {
          const expSize = Math.min(size, topK);
          minId = Math.max(minId, n - topK);
          assert.equal(size, expSize);
          assert.equal(c.ids[expSize - 1], minId);
        } else if (s === 'p') {
          const div = (n * (n - 1)) / 2 - (minId * (minId - 1)) / 2;
          const target = Math.ceil(topP * div);
          minId = n;
          let expSize = 0;
          let cum = 0;
          do {
            minId--;
            expSize++;
            cum += minId;
          } while (cum < target);
          if (minId === 1) {
            minId--;
            expSize++;
          }
          assert.equal(size, expSize, `${seq} p`);
          assert.equal(c.ids[expSize - 1], minId);
        } else {
          let expSize = Math.ceil((1 - minP) * n);
          expSize = Math.min(Math.max(expSize, 1), size);
          minId = Math.floor(minP * n);
          minId = Math.min(Math.max(minId, 1, n - size), n - 1);
          assert.equal(size, expSize, `${seq} m`);
          assert.equal(c.ids[expSize - 1], minId);
        }
        assert.equal(c.ids[0], maxId);
      }
    }
  });

  it('the large-vocabulary sort equals a reference sort (ties to the lower id, negatives, -Infinity)', () => {
    const n = 5000;
    const r = new Rng(3);
    const l = Float32Array.from({ length: n }, () => Math.round((r.nextFloat() * 2 - 1) * 50) / 4);
    l[7] = Number.NEGATIVE_INFINITY;
    l[9] = -0;
    const c = new Candidates(n);
    c.load(l);
    c.sortByLogit();
    const ref = Array.from({ length: n }, (_, i) => i).sort((a, b) =>
      l[b]! > l[a]! ? 1 : l[b]! < l[a]! ? -1 : a - b,
    );
    assert.deepEqual(Array.from(c.ids), ref);
    assert.deepEqual(
      Array.from(c.logits),
      ref.map((i) => l[i]!),
    );
  });

  it('logit bias adds to the named tokens and -Infinity bans', () => {
    const c = new Candidates(4);
    c.load([1, 2, 3, 4]);
    new LogitBiasSampler(
      new Map([
        [0, 10],
        [3, Number.NEGATIVE_INFINITY],
      ]),
    ).apply(c);
    assert.deepEqual(Array.from(c.logits), [11, 2, 3, Number.NEGATIVE_INFINITY]);
    new GreedySampler().apply(c);
    assert.equal(c.ids[c.selected], 0);
  });

  it('temperature scales logits; temperature 0 keeps the argmax with ties to the lower id', () => {
    const c = new Candidates(4);
    c.load([1, 4, 2, 4]);
    new TemperatureSampler(2).apply(c);
    assert.deepEqual(Array.from(c.logits), [0.5, 2, 1, 2]);
    c.load([1, 4, 2, 4]);
    new TemperatureSampler(0).apply(c);
    assert.equal(c.size, 1);
    assert.equal(c.ids[0], 1);
  });

  it('greedy picks the max, ties to the lower id', () => {
    const c = new Candidates(5);
    c.load([0, 7, 3, 7, -1]);
    new GreedySampler().apply(c);
    assert.equal(c.ids[c.selected], 1);
  });

  it('dist draws with the softmax frequencies and repeats under the same seed', () => {
    const logits = [Math.log(0.1), Math.log(0.2), Math.log(0.7)];
    const counts = [0, 0, 0];
    const d = new DistSampler(1234);
    const c = new Candidates(3);
    const seq: number[] = [];
    for (let i = 0; i < 20000; i++) {
      c.load(logits);
      d.apply(c);
      const id = c.ids[c.selected]!;
      counts[id]!++;
      if (i < 50) seq.push(id);
    }
    close(
      counts.map((x) => x / 20000),
      [0.1, 0.2, 0.7],
      0.015,
    );
    d.reset();
    const again: number[] = [];
    for (let i = 0; i < 50; i++) {
      c.load(logits);
      d.apply(c);
      again.push(c.ids[c.selected]!);
    }
    assert.deepEqual(again, seq);
  });

  it('rng: uniform in [0,1), different seeds differ', () => {
    const a = new Rng(1);
    const b = new Rng(2);
    let same = 0;
    let sum = 0;
    for (let i = 0; i < 10000; i++) {
      const x = a.nextFloat();
      assert.ok(x >= 0 && x < 1);
      sum += x;
      if (x === b.nextFloat()) same++;
    }
    assert.equal(same, 0);
    assert.ok(Math.abs(sum / 10000 - 0.5) < 0.02);
  });
});

describe('sampler chain', () => {
  it("follows llama.cpp's default order", () => {
    const chain = createSamplerChain(10, { logitBias: { 1: 1 }, seed: 1 });
    assert.deepEqual(
      chain.samplers.map((s) => s.name),
      ['logit-bias', 'penalties', 'top-k', 'typical-p', 'top-p', 'min-p', 'temperature', 'dist'],
    );
    assert.deepEqual(
      createSamplerChain(10, { temperature: 0 }).samplers.map((s) => s.name),
      ['penalties', 'greedy'],
    );
  });

  it('truncates before temperature (top-p sees the untempered distribution)', () => {
    // Raw probs 0.6/0.3/0.05/0.05: top-p 0.85 keeps ids 0 and 1. At temperature 5 the tempered
    // distribution is flat, so truncating after temperature would let ids 2 and 3 through.
    const logits = [0.6, 0.3, 0.05, 0.05].map(Math.log);
    const seen = new Set<number>();
    for (let seed = 0; seed < 300; seed++) {
      const chain = createSamplerChain(4, { temperature: 5, topK: 0, topP: 0.85, minP: 0, seed });
      seen.add(chain.sample(logits));
    }
    assert.deepEqual([...seen].sort(), [0, 1]);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const vocab = 50;
    const rows: Float32Array[] = [];
    const r = new Rng(9);
    for (let t = 0; t < 40; t++) rows.push(Float32Array.from({ length: vocab }, () => r.nextFloat() * 4));
    const runSeed = (seed: number): number[] => {
      const chain = createSamplerChain(vocab, { seed, repeatPenalty: 1.1 });
      return rows.map((row) => {
        const t = chain.sample(row);
        chain.accept(t);
        return t;
      });
    };
    assert.deepEqual(runSeed(42), runSeed(42));
    assert.notDeepEqual(runSeed(42), runSeed(43));
  });

  it('rejects bad options with the field name', () => {
    assert.throws(() => createSamplerChain(4, { topP: 2 }), /topP/);
    assert.throws(() => createSamplerChain(4, { temperature: Number.NaN }), /temperature/);
    assert.throws(() => createSamplerChain(4, { seed: -1 }), /seed/);
  });
});
