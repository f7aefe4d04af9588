// The static registry of model families (no lookup by reflection: one import per family).
import { UnsupportedError } from '../errors.js';
import type { ModelFamily } from './common/family.js';
import { gpt2 } from './gpt2/index.js';
import { llama } from './llama/index.js';
import { qwen2 } from './qwen2/index.js';
import { qwen3 } from './qwen3/index.js';

export const FAMILIES: readonly ModelFamily[] = [llama, qwen2, qwen3, gpt2];

export function familyById(id: string): ModelFamily | undefined {
  return FAMILIES.find((f) => f.id === id);
}

/** The family for a GGUF `general.architecture`; UnsupportedError listing the known ones. */
export function familyForGgufArch(arch: string, file?: string): ModelFamily {
  const f = FAMILIES.find((x) => x.ggufArchs.includes(arch));
  if (f === undefined) {
    const known = FAMILIES.flatMap((x) => x.ggufArchs).join(', ');
    throw new UnsupportedError(`architecture '${arch}' is not supported (supported: ${known})`, {
      field: 'general.architecture',
      file,
    });
  }
  return f;
}

/** The family for a HF config.json `model_type`. */
export function familyForHfModelType(modelType: string, file?: string): ModelFamily {
  const f = FAMILIES.find((x) => x.hfModelTypes.includes(modelType));
  if (f === undefined) {
    const known = FAMILIES.flatMap((x) => x.hfModelTypes).join(', ');
    throw new UnsupportedError(`model_type '${modelType}' is not supported (supported: ${known})`, {
      field: 'model_type',
      file,
    });
  }
  return f;
}
