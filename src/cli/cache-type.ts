// The `--cache-type f32|q8_0` flag of the commands that create sessions (generate, chat, eval,
// serve, bench model): KV-cache storage, as llama.cpp's --cache-type-k/--cache-type-v.
import { UsageError } from '../errors.js';
import { KV_CACHE_TYPES, type KVCacheType } from '../nn/kv-cache.js';

export const CACHE_TYPE_HELP = `KV-cache storage: ${KV_CACHE_TYPES.join(' | ')} (q8_0: 34/128 the bytes of f32; needs a head size multiple of 32)`;

/** The flag's value, undefined when absent; UsageError listing the valid values otherwise. */
export function parseCacheType(value: string | undefined, flag = '--cache-type'): KVCacheType | undefined {
  if (value === undefined) return undefined;
  for (const t of KV_CACHE_TYPES) if (value === t) return t;
  throw new UsageError(`${flag} must be one of ${KV_CACHE_TYPES.join(', ')}, got "${value}"`, {
    field: flag,
  });
}
