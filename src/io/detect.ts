// Format detection from a file's first bytes, and the refusal of pickle-based checkpoints.
import { FormatError } from '../errors.js';
import type { ByteSource } from './byte-source.js';
import { readLlama2c } from './llama2c/read.js';

export type FileFormat = 'gguf' | 'safetensors' | 'llama2c' | 'pickle' | 'unknown';

export const PICKLE_MESSAGE = 'pickle formats are not supported; convert to safetensors';

/** True for a zip (PyTorch >= 1.6 `torch.save`) or a raw pickle stream (protocol 2 to 5). */
export function isPickleMagic(head: Uint8Array): boolean {
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04)
    return true;
  return head.length >= 2 && head[0] === 0x80 && head[1]! >= 2 && head[1]! <= 5;
}

/** Guesses the format of `src` from its content (never from its name). */
export function detectFormat(src: ByteSource): FileFormat {
  const head = src.read(0, Math.min(16, src.size));
  if (head.length >= 4 && head[0] === 0x47 && head[1] === 0x47 && head[2] === 0x55 && head[3] === 0x46)
    return 'gguf';
  if (isPickleMagic(head)) return 'pickle';
  if (head.length >= 9) {
    const n = new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0, true);
    if (n > 0n && n <= BigInt(src.size - 8) && head[8] === 0x7b) return 'safetensors';
  }
  try {
    readLlama2c(src);
    return 'llama2c';
  } catch (e) {
    if (!(e instanceof FormatError)) throw e;
  }
  return 'unknown';
}

/** Throws the pickle refusal when `src` is a zip or pickle checkpoint. */
export function refusePickle(src: ByteSource): void {
  const head = src.read(0, Math.min(4, src.size));
  if (isPickleMagic(head)) throw new FormatError(`${src.name}: ${PICKLE_MESSAGE}`, { file: src.name });
}

/** File extensions of pickle-based checkpoints (refused by content check or by name). */
export const PICKLE_EXTENSIONS: readonly string[] = ['.pt', '.pth', '.ckpt', '.pkl', '.pickle'];
