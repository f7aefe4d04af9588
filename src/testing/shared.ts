// Node-only test helper: locates the read-only shared data folder (../shared next to the repo,
// or $LLMTS_SHARED). Tests that need it skip with a clear message when it is absent.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (works from src/ via tsx and from dist/ after the build). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function sharedDir(): string | undefined {
  const dir = process.env.LLMTS_SHARED ?? join(REPO_ROOT, '..', 'shared');
  return existsSync(dir) ? dir : undefined;
}

/** Absolute path of a file under the shared folder, or undefined if it is not there. */
export function sharedPath(...parts: string[]): string | undefined {
  const dir = sharedDir();
  if (dir === undefined) return undefined;
  const p = join(dir, ...parts);
  return existsSync(p) ? p : undefined;
}

/** A `skip` option value for node:test: false when present, else a message naming the path. */
export function skipUnlessShared(...parts: string[]): string | false {
  return sharedPath(...parts) === undefined
    ? `shared data absent: ../shared/${parts.join('/')} (set LLMTS_SHARED to its folder)`
    : false;
}
