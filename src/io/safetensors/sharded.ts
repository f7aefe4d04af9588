// Sharded checkpoints: `model.safetensors.index.json` ({"metadata": {...}, "weight_map":
// {tensor: shard file}}). Shard names must be plain file names in the model directory (no
// separators, no '..', no absolute or drive paths, no control characters).
import { FormatError } from '../../errors.js';
import { asObject, type JsonValue, parseJson } from '../json/json.js';

export const SAFETENSORS_INDEX_FILE = 'model.safetensors.index.json';

export interface SafetensorsIndex {
  readonly metadata: ReadonlyMap<string, JsonValue>;
  /** Tensor name to shard file name. */
  readonly weightMap: ReadonlyMap<string, string>;
  /** Distinct shard file names, in first-use order. */
  readonly shards: readonly string[];
}

/** True when `name` is a plain file name (no path component). */
export function isPlainFileName(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= 255 &&
    name !== '.' &&
    name !== '..' &&
    !/[/\\:\u0000-\u001f]/.test(name)
  );
}

export function parseSafetensorsIndex(text: string, file = SAFETENSORS_INDEX_FILE): SafetensorsIndex {
  const root = asObject(parseJson(text, file), '(top level)', file);
  const metadata = new Map<string, JsonValue>();
  if (Object.hasOwn(root, 'metadata') && root.metadata !== null) {
    for (const [k, v] of Object.entries(asObject(root.metadata, 'metadata', file))) metadata.set(k, v);
  }
  const wm = asObject(Object.hasOwn(root, 'weight_map') ? root.weight_map : undefined, 'weight_map', file);
  const weightMap = new Map<string, string>();
  const shards: string[] = [];
  const seen = new Set<string>();
  for (const [tensor, shard] of Object.entries(wm)) {
    if (typeof shard !== 'string' || !isPlainFileName(shard)) {
      throw new FormatError(
        `${file}: weight_map['${tensor}'] = ${JSON.stringify(shard)} is not a plain file name in the model directory`,
        { file, field: `weight_map.${tensor}` },
      );
    }
    weightMap.set(tensor, shard);
    if (!seen.has(shard)) {
      seen.add(shard);
      shards.push(shard);
    }
  }
  return { metadata, weightMap, shards };
}
