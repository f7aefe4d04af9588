// Node-only: opens the safetensors weights of a Hugging Face model folder, single-file
// (`model.safetensors`) or sharded (`model.safetensors.index.json` + shards). Pickle-only folders
// are refused with the conversion message.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FormatError } from '../../errors.js';
import type { ByteSource } from '../byte-source.js';
import { type FileSource, openFileSource } from '../byte-source-node.js';
import { PICKLE_EXTENSIONS, PICKLE_MESSAGE } from '../detect.js';
import { readJsonFile } from '../json/json-node.js';
import { readSafetensors, type Safetensors, type SafetensorsTensorInfo } from './read.js';
import { parseSafetensorsIndex, SAFETENSORS_INDEX_FILE } from './sharded.js';

export interface SafetensorsModelTensor {
  readonly src: ByteSource;
  readonly info: SafetensorsTensorInfo;
}

export interface SafetensorsModel {
  /** Every tensor of every shard, by name. */
  readonly tensors: ReadonlyMap<string, SafetensorsModelTensor>;
  /** The parsed shards (one for a single-file model). */
  readonly shards: readonly Safetensors[];
  close(): void;
}

const PICKLE_NAMES = [
  'pytorch_model.bin',
  'pytorch_model.bin.index.json',
  'model.ckpt',
  'consolidated.00.pth',
];

export function openSafetensorsModel(dir: string): SafetensorsModel {
  const indexPath = join(dir, SAFETENSORS_INDEX_FILE);
  const single = join(dir, 'model.safetensors');
  let files: string[];
  let weightMap: ReadonlyMap<string, string> | undefined;
  if (existsSync(indexPath)) {
    const index = parseSafetensorsIndex(JSON.stringify(readJsonFile(indexPath)), indexPath);
    weightMap = index.weightMap;
    files = [...index.shards];
  } else if (existsSync(single)) {
    files = ['model.safetensors'];
  } else {
    const names = existsSync(dir) ? readdirSync(dir) : [];
    if (names.some((n) => PICKLE_NAMES.includes(n) || PICKLE_EXTENSIONS.some((e) => n.endsWith(e)))) {
      throw new FormatError(`${dir}: ${PICKLE_MESSAGE}`, { file: dir });
    }
    throw new FormatError(`${dir}: no model.safetensors or ${SAFETENSORS_INDEX_FILE} found`, { file: dir });
  }
  const opened: FileSource[] = [];
  const close = () => {
    for (const f of opened) f.close();
  };
  try {
    const tensors = new Map<string, SafetensorsModelTensor>();
    const shards: Safetensors[] = [];
    for (const name of files) {
      const src = openFileSource(join(dir, name));
      opened.push(src);
      const st = readSafetensors(src);
      shards.push(st);
      for (const info of st.tensors) {
        if (tensors.has(info.name)) {
          throw new FormatError(`${src.name}: tensor '${info.name}' also appears in another shard`, {
            file: src.name,
            field: info.name,
          });
        }
        if (weightMap !== undefined && weightMap.get(info.name) !== name) {
          throw new FormatError(
            `${src.name}: tensor '${info.name}' is not mapped to this shard in ${SAFETENSORS_INDEX_FILE}`,
            {
              file: src.name,
              field: info.name,
            },
          );
        }
        tensors.set(info.name, { src, info });
      }
    }
    if (weightMap !== undefined) {
      for (const [t, shard] of weightMap) {
        if (!tensors.has(t)) {
          throw new FormatError(`${indexPath}: tensor '${t}' is missing from shard ${shard}`, {
            file: indexPath,
            field: t,
          });
        }
      }
    }
    return { tensors, shards, close };
  } catch (e) {
    close();
    throw e;
  }
}
