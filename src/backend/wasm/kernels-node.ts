// Node-only: reads the compiled kernel modules (dist/kernels/llmts-{simd,relaxed}.wasm), from the
// source tree (src/backend/wasm, run by tsx) or the build (dist/backend/wasm).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FormatError } from '../../errors.js';

const here = dirname(fileURLToPath(import.meta.url));
const CANDIDATES = [join(here, '..', '..', 'kernels'), join(here, '..', '..', '..', 'dist', 'kernels')];

export function kernelPath(relaxed: boolean): string {
  const name = relaxed ? 'llmts-relaxed.wasm' : 'llmts-simd.wasm';
  const dirs = process.env.LLMTS_KERNELS_DIR !== undefined ? [process.env.LLMTS_KERNELS_DIR] : CANDIDATES;
  for (const d of dirs) {
    const p = join(d, name);
    if (existsSync(p)) return p;
  }
  throw new FormatError(`WASM kernels not found (${name}); run \`npm run build\``, {
    file: join(dirs[0]!, name),
  });
}

export function readKernels(relaxed: boolean): Uint8Array {
  return new Uint8Array(readFileSync(kernelPath(relaxed)));
}
