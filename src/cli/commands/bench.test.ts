// `llmts bench`: argument splitting, dispatch to the registry by name, unknown names and bad
// --threads values are usage errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'commander';
import { BENCHMARKS, type BenchOptions } from '../../bench/registry.js';
import { UsageError } from '../../errors.js';
import { benchCommand, parseBenchArgs } from './bench.js';

test('parseBenchArgs splits words and --key value / --key=value / --flag', () => {
  assert.deepEqual(parseBenchArgs(['a', '--build', 'simd', '--quick', '--types=q8_0,q4_k', 'b']), {
    args: ['a', 'b'],
    flags: { build: 'simd', quick: true, types: 'q8_0,q4_k' },
  });
});

function program(): Command {
  const p = new Command('llmts').exitOverride();
  benchCommand.register(p);
  return p;
}

test('bench dispatches to the registry by name with threads, json and flags', async () => {
  let seen: BenchOptions | undefined;
  BENCHMARKS.push({
    name: 'unit-test-bench',
    description: 'test',
    async run(o) {
      seen = o;
    },
  });
  try {
    await program().parseAsync(['bench', 'unit-test-bench', 'x', '--threads', '3', '--json', '--quick'], {
      from: 'user',
    });
    assert.equal(seen?.threads, 3);
    assert.equal(seen?.json, true);
    assert.deepEqual(seen?.args, ['x']);
    assert.equal(seen?.flags.quick, true);
    await assert.rejects(
      program().parseAsync(['bench', 'unit-test-bench', '--threads', '0'], { from: 'user' }),
      UsageError,
    );
    await assert.rejects(program().parseAsync(['bench', 'no-such-bench'], { from: 'user' }), UsageError);
  } finally {
    BENCHMARKS.splice(
      BENCHMARKS.findIndex((b) => b.name === 'unit-test-bench'),
      1,
    );
  }
});

test('the kernels benchmark is registered', () => {
  assert.ok(BENCHMARKS.some((b) => b.name === 'kernels'));
});
