// Programmatic reward functions for PPO demos and tests, in a static registry by name:
// `contains:<text>`, `count:<char>`, `length:<n>`.
import { UsageError } from '../../errors.js';

export interface RewardInput {
  prompt: string;
  response: string;
  ids: readonly number[];
}

export type RewardFn = (r: RewardInput) => number;

interface RewardKind {
  describe: string;
  make(arg: string): RewardFn;
}

const KINDS: Readonly<Record<string, RewardKind>> = {
  contains: {
    describe: 'contains:<text> → 1 when the response contains <text>, else 0',
    make: (text) => {
      if (text.length === 0) throw new UsageError('--reward contains: needs a text', { field: '--reward' });
      return (r) => (r.response.includes(text) ? 1 : 0);
    },
  },
  count: {
    describe: 'count:<char> → the fraction of response characters equal to <char>',
    make: (ch) => {
      if ([...ch].length !== 1)
        throw new UsageError('--reward count: needs one character', { field: '--reward' });
      return (r) => {
        const chars = [...r.response];
        return chars.length === 0 ? 0 : chars.filter((c) => c === ch).length / chars.length;
      };
    },
  },
  length: {
    describe: 'length:<n> → 1 − |characters − n| / n (a response of n characters scores 1)',
    make: (arg) => {
      const n = Number(arg);
      if (!Number.isInteger(n) || n < 1 || n > 1_000_000)
        throw new UsageError(`--reward length: needs a positive integer, got "${arg}"`, {
          field: '--reward',
        });
      return (r) => 1 - Math.abs([...r.response].length - n) / n;
    },
  },
};

/** Parses `name:arg` into a reward function. */
export function rewardFunction(spec: string): RewardFn {
  const at = spec.indexOf(':');
  const name = at < 0 ? spec : spec.slice(0, at);
  const kind = Object.hasOwn(KINDS, name) ? KINDS[name] : undefined;
  if (kind === undefined) {
    throw new UsageError(
      `unknown reward function "${name}"; known: ${Object.values(KINDS)
        .map((k) => k.describe)
        .join('; ')}`,
      { field: '--reward' },
    );
  }
  return kind.make(at < 0 ? '' : spec.slice(at + 1));
}
