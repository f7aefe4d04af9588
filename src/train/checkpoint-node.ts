// Training checkpoints (Node-only). A checkpoint is a directory
//   <out>/checkpoints/step-00000500/{model.safetensors, optim.safetensors, state.json, COMPLETE}
// written under a temporary name, fsynced, then renamed into place; `COMPLETE` is written last
// inside it and `<out>/latest.json` (itself written atomically) points at the newest one. A crash
// at any moment leaves the previous checkpoint loadable.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FormatError } from '../errors.js';
import { openFileSource } from '../io/byte-source-node.js';
import {
  readSafetensors,
  readTensorBytes,
  type SafetensorsWriteTensor,
  safetensorsChunks,
} from '../io/safetensors/index.js';
import { fsyncDir, writeFileAtomic } from '../io/write-node.js';
import type { Trainer, TrainerState } from './trainer.js';

export const CHECKPOINT_FORMAT = 'llmts-checkpoint';

export interface CheckpointState {
  format: typeof CHECKPOINT_FORMAT;
  version: 1;
  step: number;
  trainer: TrainerState;
  /** Everything needed to rebuild the run (train config, tokenizer spec, data files...). */
  run: Record<string, unknown>;
}

function f32Bytes(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function stepDirName(step: number): string {
  return `step-${String(step).padStart(8, '0')}`;
}

/** Writes a checkpoint of `trainer` under `out` and returns its directory. */
export function saveCheckpoint(
  out: string,
  trainer: Trainer,
  run: Record<string, unknown>,
  keep = 2,
): string {
  const root = join(out, 'checkpoints');
  mkdirSync(root, { recursive: true });
  const name = stepDirName(trainer.step);
  const final = join(root, name);
  const tmp = join(root, `.${name}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  const be = trainer.backend;
  const model: SafetensorsWriteTensor[] = [];
  const optim: SafetensorsWriteTensor[] = [];
  for (const [spec, p] of trainer.params.entries()) {
    const host = new Float32Array(p.size);
    be.read(p.data, host);
    model.push({ name: spec.name, dtype: 'F32', shape: spec.shape, data: f32Bytes(host) });
    if (!p.requiresGrad) continue;
    for (const [prefix, map] of [
      ['m', trainer.optim.m],
      ['v', trainer.optim.v],
    ] as const) {
      const mom = new Float32Array(p.size);
      be.read(map.get(spec.name)!, mom);
      optim.push({ name: `${prefix}.${spec.name}`, dtype: 'F32', shape: spec.shape, data: f32Bytes(mom) });
    }
  }
  const state: CheckpointState = {
    format: CHECKPOINT_FORMAT,
    version: 1,
    step: trainer.step,
    trainer: trainer.state(),
    run,
  };
  writeFileAtomic(join(tmp, 'model.safetensors'), safetensorsChunks(model, { format: 'pt' }));
  writeFileAtomic(join(tmp, 'optim.safetensors'), safetensorsChunks(optim, { format: 'pt' }));
  writeFileAtomic(join(tmp, 'state.json'), `${JSON.stringify(state, null, 1)}\n`);
  writeFileAtomic(join(tmp, 'COMPLETE'), `${trainer.step}\n`);
  rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  fsyncDir(root);
  writeFileAtomic(
    join(out, 'latest.json'),
    `${JSON.stringify({ step: trainer.step, dir: `checkpoints/${name}` })}\n`,
  );
  // Keep the newest `keep` complete checkpoints.
  const complete = listCheckpoints(out);
  for (const old of complete.slice(0, Math.max(0, complete.length - keep))) {
    rmSync(join(root, old), { recursive: true, force: true });
  }
  return final;
}

/** Complete checkpoint directory names under `out`, oldest first. */
export function listCheckpoints(out: string): string[] {
  const root = join(out, 'checkpoints');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((n) => /^step-\d{8}$/.test(n) && existsSync(join(root, n, 'COMPLETE')))
    .sort();
}

/** The newest complete checkpoint directory of a run (latest.json, else a scan). */
export function findLatestCheckpoint(out: string): string | undefined {
  const list = listCheckpoints(out);
  const latest = join(out, 'latest.json');
  if (existsSync(latest)) {
    try {
      const j = JSON.parse(readFileSync(latest, 'utf8')) as { dir?: unknown };
      if (
        typeof j.dir === 'string' &&
        /^checkpoints\/step-\d{8}$/.test(j.dir) &&
        existsSync(join(out, j.dir, 'COMPLETE'))
      ) {
        return join(out, j.dir);
      }
    } catch {
      // fall back to the scan
    }
  }
  const last = list[list.length - 1];
  return last === undefined ? undefined : join(out, 'checkpoints', last);
}

/** Reads and validates a checkpoint's state.json. */
export function readCheckpointState(dir: string): CheckpointState {
  const file = join(dir, 'state.json');
  if (!existsSync(join(dir, 'COMPLETE'))) {
    throw new FormatError(`${dir}: not a complete llmts checkpoint (no COMPLETE marker)`, { file: dir });
  }
  let st: unknown;
  try {
    st = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new FormatError(`${file}: unreadable checkpoint state (${(err as Error).message})`, {
      file,
      cause: err,
    });
  }
  const s = st as Partial<CheckpointState>;
  if (s === null || typeof s !== 'object' || s.format !== CHECKPOINT_FORMAT || s.version !== 1) {
    throw new FormatError(`${file}: not an llmts checkpoint (format/version)`, { file, field: 'format' });
  }
  if (!Number.isSafeInteger(s.step) || s.trainer === undefined || typeof s.run !== 'object') {
    throw new FormatError(`${file}: checkpoint state is incomplete`, { file, field: 'step' });
  }
  return s as CheckpointState;
}

function loadTensorsInto(
  file: string,
  get: (name: string) => { buf: import('../backend/backend.js').Buf; size: number } | undefined,
  trainer: Trainer,
  expected: number,
): void {
  const src = openFileSource(file);
  try {
    const st = readSafetensors(src);
    const seen = new Set<string>();
    for (const t of st.tensors) {
      const target = get(t.name);
      if (target === undefined)
        throw new FormatError(`${file}: unexpected tensor ${t.name}`, { file, field: t.name });
      if (t.dtype !== 'F32' || t.elements !== target.size) {
        throw new FormatError(
          `${file}: tensor ${t.name} is ${t.dtype} [${t.shape.join(', ')}], expected F32 of ${target.size}`,
          {
            file,
            field: t.name,
          },
        );
      }
      const bytes = readTensorBytes(src, t);
      trainer.backend.write(
        target.buf,
        new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)),
      );
      seen.add(t.name);
    }
    if (seen.size !== expected) {
      throw new FormatError(
        `${file}: checkpoint holds ${seen.size} of the ${expected} expected tensors (foreign model?)`,
        {
          file,
        },
      );
    }
  } finally {
    src.close();
  }
}

/** Loads parameters, optimiser moments and trainer state from a checkpoint into `trainer`. */
export function restoreCheckpoint(dir: string, trainer: Trainer): CheckpointState {
  const state = readCheckpointState(dir);
  const params = new Map<string, { buf: import('../backend/backend.js').Buf; size: number }>();
  const moments = new Map<string, { buf: import('../backend/backend.js').Buf; size: number }>();
  for (const [spec, p] of trainer.params.entries()) {
    params.set(spec.name, { buf: p.data, size: p.size });
    if (!p.requiresGrad) continue;
    moments.set(`m.${spec.name}`, { buf: trainer.optim.m.get(spec.name)!, size: p.size });
    moments.set(`v.${spec.name}`, { buf: trainer.optim.v.get(spec.name)!, size: p.size });
  }
  loadTensorsInto(join(dir, 'model.safetensors'), (n) => params.get(n), trainer, params.size);
  loadTensorsInto(join(dir, 'optim.safetensors'), (n) => moments.get(n), trainer, moments.size);
  trainer.restore(state.trainer);
  return state;
}
