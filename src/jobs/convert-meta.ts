// GGUF model metadata (general.* and the family's hyper-parameters) for the convert/init jobs.
import { type GgufKv, GgufValueType } from '../io/gguf/index.js';
import type { ModelConfig } from '../models/common/config.js';
import type { ModelFamily } from '../models/common/family.js';
import { GgmlType } from '../tensor/dtype.js';
import type { MetaEntry } from './convert-tokenizer.js';

const FLOAT_KEY = /(epsilon|freq_base|factor|scale)$/;

export function hparamKv(key: string, v: number | string | boolean): GgufKv {
  if (typeof v === 'string') return { type: GgufValueType.STRING, value: v };
  if (typeof v === 'boolean') return { type: GgufValueType.BOOL, value: v };
  return FLOAT_KEY.test(key)
    ? { type: GgufValueType.FLOAT32, value: v }
    : { type: GgufValueType.UINT32, value: v };
}

/** llama.cpp `llama_ftype` for the dominant 2-D weight type. */
export function fileTypeOf(types: readonly GgmlType[]): number {
  const ftype: Partial<Record<GgmlType, number>> = {
    [GgmlType.F16]: 1,
    [GgmlType.Q4_0]: 2,
    [GgmlType.Q4_1]: 3,
    [GgmlType.Q8_0]: 7,
    [GgmlType.Q5_0]: 8,
    [GgmlType.Q5_1]: 9,
    [GgmlType.Q6_K]: 18,
    [GgmlType.BF16]: 32,
  };
  for (const t of types) {
    const f = ftype[t];
    if (f !== undefined) return f;
  }
  return 0;
}

export function ggufModelMeta(
  family: ModelFamily,
  c: ModelConfig,
  name: string,
  fileType: number,
): MetaEntry[] {
  const out: MetaEntry[] = [
    ['general.architecture', { type: GgufValueType.STRING, value: family.ggufArch }],
    ['general.name', { type: GgufValueType.STRING, value: name }],
    ['general.file_type', { type: GgufValueType.UINT32, value: fileType }],
  ];
  for (const [k, v] of family.ggufHparams(c)) out.push([k, hparamKv(k, v)]);
  return out;
}
