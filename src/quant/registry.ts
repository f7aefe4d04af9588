// The static registry of block formats by GgmlType.
import { GgmlType } from '../tensor/dtype.js';
import type { BlockFormat } from './common.js';
import { IQ4_NL, IQ4_XS } from './iq4.js';
import { Q2_K } from './k-quants/q2_k.js';
import { Q3_K } from './k-quants/q3_k.js';
import { Q4_K } from './k-quants/q4_k.js';
import { Q5_K } from './k-quants/q5_k.js';
import { Q6_K } from './k-quants/q6_k.js';
import { BF16, F16, F32 } from './plain.js';
import { Q4_0 } from './q4_0.js';
import { Q4_1 } from './q4_1.js';
import { Q5_0, Q5_1 } from './q5.js';
import { Q8_0, Q8_1, Q8_K } from './q8.js';

export const FORMATS: ReadonlyMap<GgmlType, BlockFormat> = new Map<GgmlType, BlockFormat>([
  [GgmlType.F32, F32],
  [GgmlType.F16, F16],
  [GgmlType.BF16, BF16],
  [GgmlType.Q4_0, Q4_0],
  [GgmlType.Q4_1, Q4_1],
  [GgmlType.Q5_0, Q5_0],
  [GgmlType.Q5_1, Q5_1],
  [GgmlType.Q8_0, Q8_0],
  [GgmlType.Q8_1, Q8_1],
  [GgmlType.Q8_K, Q8_K],
  [GgmlType.Q2_K, Q2_K],
  [GgmlType.Q3_K, Q3_K],
  [GgmlType.Q4_K, Q4_K],
  [GgmlType.Q5_K, Q5_K],
  [GgmlType.Q6_K, Q6_K],
  [GgmlType.IQ4_NL, IQ4_NL],
  [GgmlType.IQ4_XS, IQ4_XS],
]);
