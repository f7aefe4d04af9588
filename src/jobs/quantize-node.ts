// `llmts quantize` as a job (Node-only): reads an F32/F16/BF16 GGUF (or a Hugging Face directory,
// see quantize-input-node.ts) tensor by tensor, converts each as llama-quantize does (see
// quantize.ts) and streams the result to a temporary file next to OUT, which is fsynced and
// renamed over OUT at the end. On any error the temporary file is
// removed. Memory: one source tensor and one output tensor at a time (with workers, plus one f32
// copy of the largest tensor, shared with them and reused).
import { closeSync, existsSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../errors.js';
import { ggufLayout, padTo } from '../io/gguf/index.js';
import { typeName } from '../tensor/dtype.js';
import {
  convertTensor,
  decodeTensor,
  outputMetadata,
  parseQuantTarget,
  planQuantization,
  type TensorPlan,
} from './quantize.js';
import { openQuantizeInput } from './quantize-input-node.js';
import { QuantizePool } from './quantize-pool-node.js';

export interface QuantizeOptions {
  /** A QUANT_TARGETS name: q8_0, q4_0, ..., q4_k_m, q5_k_m. */
  readonly type: string;
  /** Every quantizable tensor in the named type (no mixture rules). */
  readonly pure?: boolean;
  /** Replace an existing OUT. */
  readonly force?: boolean;
  /** Threads in total (default 1: no workers). The output is the same for any count. */
  readonly threads?: number;
  /** Called after each tensor with the bytes of source data done so far and in total. */
  readonly onProgress?: (done: number, total: number, tensor: string) => void;
  /** One line of log (fallbacks and mixture decisions). */
  readonly log?: (line: string) => void;
}

export interface QuantizeResult {
  readonly tensors: readonly TensorPlan[];
  readonly inputBytes: number;
  readonly outputBytes: number;
}

/** A stand-in for tensor data when only its length matters (ggufLayout reads `.length`). */
function lengthOnly(n: number): Uint8Array {
  return { length: n } as unknown as Uint8Array;
}

function writeAll(fd: number, b: Uint8Array): void {
  let off = 0;
  while (off < b.length) off += writeSync(fd, b, off, b.length - off);
}

/** Makes a rename durable by fsyncing its directory (ignored where directories cannot be opened). */
function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // not supported on this platform; the rename itself is still atomic
  }
}

export function quantizeFile(inPath: string, outPath: string, opts: QuantizeOptions): QuantizeResult {
  const tgt = parseQuantTarget(opts.type);
  const threads = opts.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
    throw new UsageError(`threads must be an integer in [1, 256], got ${threads}`, { field: 'threads' });
  }
  if (existsSync(outPath) && opts.force !== true) {
    throw new UsageError(`${outPath} already exists (use --force to replace it)`, {
      field: 'out',
      file: outPath,
    });
  }
  const g = openQuantizeInput(inPath);
  try {
    const plans = planQuantization(g, tgt, opts.pure === true);
    for (const p of plans)
      if (p.note !== undefined) opts.log?.(`${p.src.name}: ${typeName(p.type)} (${p.note})`);
    const layout = ggufLayout({
      metadata: outputMetadata(g, tgt),
      tensors: plans.map((p) => ({
        name: p.src.name,
        type: p.type,
        shape: p.src.shape,
        data: lengthOnly(p.byteLength),
      })),
    });
    const total = plans.reduce((s, p) => s + p.src.byteLength, 0);
    const tmp = join(dirname(outPath), `.${basename(outPath)}.tmp-${process.pid}-${Date.now()}`);
    let fd: number;
    try {
      fd = openSync(tmp, 'wx', 0o644);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new UsageError(`cannot write next to ${outPath}: ${why}`, {
        field: 'out',
        file: outPath,
        cause: e,
      });
    }
    let closed = false;
    let pool: QuantizePool | undefined;
    try {
      writeAll(fd, layout.header);
      let maxRow = 0;
      for (const p of plans) maxRow = Math.max(maxRow, p.src.shape[0] ?? 1);
      const row = new Float32Array(maxRow); // [n_per_row] scratch
      // With workers: one f32 buffer and one output buffer, sized for the largest converted tensor
      // and reused for every tensor. (A fresh SharedArrayBuffer per tensor is also referenced from
      // each idle worker's heap, which never collects it: every tensor stayed in memory, a 4.4 GB
      // F32 model peaked at 5 GB RSS.)
      let shared: { f32: Float32Array; out: Uint8Array } | undefined;
      if (threads > 1) {
        let maxElems = 0;
        let maxOut = 0;
        for (const p of plans) {
          if (p.type === p.src.type) continue;
          maxElems = Math.max(maxElems, p.src.elements);
          maxOut = Math.max(maxOut, p.byteLength);
        }
        if (maxElems > 0) {
          pool = new QuantizePool(threads);
          shared = {
            f32: new Float32Array(new SharedArrayBuffer(maxElems * 4)), // [elements] of the largest tensor
            out: new Uint8Array(new SharedArrayBuffer(maxOut)),
          };
        }
      }
      const pad = new Uint8Array(layout.alignment);
      let done = 0;
      const readers = new Map(g.tensors.map((t) => [t.name, t]));
      for (const p of plans) {
        const data = readers.get(p.src.name)!.read();
        if (data.length !== p.src.byteLength) {
          throw new RangeError(
            `tensor '${p.src.name}': ${data.length} bytes read, ${p.src.byteLength} expected`,
          );
        }
        let out: Uint8Array;
        if (pool !== undefined && shared !== undefined && p.type !== p.src.type) {
          // [rows, n] f32 values shared with the workers, and the shared output (views at offset 0)
          const n = p.src.shape[0] ?? 1;
          const f32 = shared.f32.subarray(0, p.src.elements);
          decodeTensor(p.src, data, f32, inPath);
          out = shared.out.subarray(0, p.byteLength);
          pool.quantizeRows(p.type, f32, out, n, n > 0 ? p.src.elements / n : 0);
        } else {
          out = p.type === p.src.type ? data : new Uint8Array(p.byteLength);
          convertTensor(p, data, out, row, inPath, (r, rows) =>
            opts.onProgress?.(done + Math.floor((p.src.byteLength * r) / rows), total, p.src.name),
          );
        }
        writeAll(fd, out);
        const padding = padTo(p.byteLength, layout.alignment) - p.byteLength;
        if (padding > 0) writeAll(fd, pad.subarray(0, padding));
        done += p.src.byteLength;
        opts.onProgress?.(done, total, p.src.name);
      }
      fsyncSync(fd);
      closeSync(fd);
      closed = true;
      pool?.dispose();
      renameSync(tmp, outPath);
      fsyncDir(dirname(outPath));
    } catch (e) {
      pool?.dispose();
      if (!closed) closeSync(fd);
      try {
        unlinkSync(tmp);
      } catch {
        // already gone
      }
      throw e;
    }
    return { tensors: plans, inputBytes: g.size, outputBytes: layout.header.length + layout.dataSize };
  } finally {
    g.close();
  }
}
