// Calls a kernel export with `n` leading arguments from an array plus trailing extras, without
// allocating (no spread, no arguments array). Kernels take at most MAX_ARGS leading arguments.
import type { KernelFn } from './wasm-api.js';

export const MAX_ARGS = 20;

export function callKernel(f: KernelFn, a: ArrayLike<number>, n: number, r0: number, r1: number): void {
  switch (n) {
    case 0:
      f(r0, r1);
      return;
    case 1:
      f(a[0]!, r0, r1);
      return;
    case 2:
      f(a[0]!, a[1]!, r0, r1);
      return;
    case 3:
      f(a[0]!, a[1]!, a[2]!, r0, r1);
      return;
    case 4:
      f(a[0]!, a[1]!, a[2]!, a[3]!, r0, r1);
      return;
    case 5:
      f(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, r0, r1);
      return;
    case 6:
      f(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, r0, r1);
      return;
    case 7:
      f(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, r0, r1);
      return;
    case 8:
      f(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, r0, r1);
      return;
    case 9:
      f(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, r0, r1);
      return;
    case 10:
      f(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, r0, r1);
      return;
    case 11:
      f(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, a[10]!, r0, r1);
      return;
    case 12:
      f(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, a[10]!, a[11]!, r0, r1);
      return;
    case 13:
      f(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, a[10]!, a[11]!, a[12]!, r0, r1);
      return;
    case 14:
      f(
        a[0]!,
        a[1]!,
        a[2]!,
        a[3]!,
        a[4]!,
        a[5]!,
        a[6]!,
        a[7]!,
        a[8]!,
        a[9]!,
        a[10]!,
        a[11]!,
        a[12]!,
        a[13]!,
        r0,
        r1,
      );
      return;
    case 15:
      f(
        a[0]!,
        a[1]!,
        a[2]!,
        a[3]!,
        a[4]!,
        a[5]!,
        a[6]!,
        a[7]!,
        a[8]!,
        a[9]!,
        a[10]!,
        a[11]!,
        a[12]!,
        a[13]!,
        a[14]!,
        r0,
        r1,
      );
      return;
    case 16:
      f(
        a[0]!,
        a[1]!,
        a[2]!,
        a[3]!,
        a[4]!,
        a[5]!,
        a[6]!,
        a[7]!,
        a[8]!,
        a[9]!,
        a[10]!,
        a[11]!,
        a[12]!,
        a[13]!,
        a[14]!,
        a[15]!,
        r0,
        r1,
      );
      return;
    case 17:
      f(
        a[0]!,
        a[1]!,
        a[2]!,
        a[3]!,
        a[4]!,
        a[5]!,
        a[6]!,
        a[7]!,
        a[8]!,
        a[9]!,
        a[10]!,
        a[11]!,
        a[12]!,
        a[13]!,
        a[14]!,
        a[15]!,
        a[16]!,
        r0,
        r1,
      );
      return;
    case 18:
      f(
        a[0]!,
        a[1]!,
        a[2]!,
        a[3]!,
        a[4]!,
        a[5]!,
        a[6]!,
        a[7]!,
        a[8]!,
        a[9]!,
        a[10]!,
        a[11]!,
        a[12]!,
        a[13]!,
        a[14]!,
        a[15]!,
        a[16]!,
        a[17]!,
        r0,
        r1,
      );
      return;
    case 19:
      f(
        a[0]!,
        a[1]!,
        a[2]!,
        a[3]!,
        a[4]!,
        a[5]!,
        a[6]!,
        a[7]!,
        a[8]!,
        a[9]!,
        a[10]!,
        a[11]!,
        a[12]!,
        a[13]!,
        a[14]!,
        a[15]!,
        a[16]!,
        a[17]!,
        a[18]!,
        r0,
        r1,
      );
      return;
    case 20:
      f(
        a[0]!,
        a[1]!,
        a[2]!,
        a[3]!,
        a[4]!,
        a[5]!,
        a[6]!,
        a[7]!,
        a[8]!,
        a[9]!,
        a[10]!,
        a[11]!,
        a[12]!,
        a[13]!,
        a[14]!,
        a[15]!,
        a[16]!,
        a[17]!,
        a[18]!,
        a[19]!,
        r0,
        r1,
      );
      return;
    default:
      throw new RangeError(`kernel call with ${n} arguments (max ${MAX_ARGS})`);
  }
}

/** The same dispatcher as JavaScript source text (for worker threads started from a string). */
export function callKernelSource(): string {
  const cases: string[] = [];
  for (let n = 0; n <= MAX_ARGS; n++) {
    const list: string[] = [];
    for (let i = 0; i < n; i++) list.push(`a[${i}]`);
    list.push('r0', 'r1');
    cases.push(`case ${n}: f(${list.join(', ')}); return;`);
  }
  return `function callKernel(f, a, n, r0, r1) { switch (n) { ${cases.join(' ')} default: throw new RangeError('too many kernel arguments'); } }`;
}
