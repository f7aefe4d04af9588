// Reads tensors out of a checkpoint by their canonical (GGUF) names, applies the layout
// transforms a family's name map asks for (Q/K row permutation, Conv1D transpose), checks each
// shape against the config, and loads it into the backend. Matrices are read straight into their
// final backend storage (Backend.allocWeight): no per-tensor temporary for tensors stored as they
// are on disk; a Q/K permutation uses a one-head scratch, a transpose a one-tensor scratch (both
// reused), so no copy of the whole model ever exists on the JS side.
import type { Backend, Buf, Weight } from '../../backend/backend.js';
import { ShapeError, UnsupportedError } from '../../errors.js';
import { allocBytes } from '../../io/byte-source.js';
import { canDequantize, dequantizeRow } from '../../quant/index.js';
import { GgmlType, rowBytes, typeName, typeTraits } from '../../tensor/dtype.js';
import type { Checkpoint, TensorEntry } from './checkpoint.js';
import { permuteRows, permuteRowsInPlace, transposeInto } from './layout.js';

/** How a checkpoint tensor is turned into the canonical layout. */
export type Transform =
  | { kind: 'none' }
  /** HF q_proj/k_proj (rotate-half) → GGUF adjacent-pair rows (convert_hf_to_gguf `permute`). */
  | { kind: 'permute'; heads: number }
  /** HF Conv1D [in, out] → [out, in]. */
  | { kind: 'transpose' };

export interface SourceRef {
  name: string;
  transform: Transform;
}

/** Maps a canonical tensor name to where it lives in a checkpoint (undefined: not stored). */
export type NameMap = (canonical: string) => SourceRef | undefined;

export const IDENTITY: NameMap = (name) => ({ name, transform: { kind: 'none' } });

/** A matrix tensor checked against the config, ready to be read. */
interface MatrixPlan {
  e: TensorEntry;
  transform: Transform;
  rows: number;
  cols: number;
  /** Bytes per row as stored in the file. */
  rowBytes: number;
}

export interface RawMatrix {
  type: GgmlType;
  rows: number;
  cols: number;
  bytes: Uint8Array;
}

export { permuteRows, transposeBytes } from './layout.js';

/** Reads canonical tensors out of a checkpoint (no backend: also used by the convert job). */
export class TensorReader {
  /** Parameters read so far (elements). */
  params = 0;

  constructor(
    readonly ckpt: Checkpoint,
    readonly map: NameMap,
  ) {}

  /** The checkpoint entry behind a canonical name, or undefined. */
  source(canonical: string): TensorEntry | undefined {
    return this.entry(canonical)?.e;
  }

  protected entry(canonical: string): { e: TensorEntry; ref: SourceRef } | undefined {
    const ref = this.map(canonical);
    if (ref === undefined) return undefined;
    const e = this.ckpt.get(ref.name);
    return e === undefined ? undefined : { e, ref };
  }

  has(canonical: string): boolean {
    return this.entry(canonical) !== undefined;
  }

  protected missing(canonical: string): never {
    const src = this.map(canonical)?.name ?? canonical;
    throw new ShapeError(`${this.ckpt.file}: tensor '${src}' is missing`, {
      field: src,
      file: this.ckpt.file,
    });
  }

  protected readBytes(e: TensorEntry): Uint8Array {
    const bytes = new Uint8Array(e.byteLength);
    e.readInto(bytes);
    return bytes;
  }

  /** Checks a matrix tensor against the config's [rows, cols] before anything is read. */
  protected planMatrix(canonical: string, rows: number, cols: number): MatrixPlan {
    const found = this.entry(canonical);
    if (found === undefined) this.missing(canonical);
    const { e, ref } = found;
    const t = ref.transform;
    const shape = e.shape;
    const [er, ec] = t.kind === 'transpose' ? [cols, rows] : [rows, cols];
    const ok =
      shape.length === 2
        ? shape[0] === er && shape[1] === ec
        : shape.length === 1 && er === 1 && shape[0] === ec;
    if (!ok) {
      throw new ShapeError(
        `${this.ckpt.file}: tensor '${e.name}' has shape [${shape.join(', ')}], the config needs [${er}, ${ec}]`,
        { field: e.name, file: this.ckpt.file },
      );
    }
    const rb = rowBytes(e.type, ec);
    if (rb === undefined || rb * er !== e.byteLength) {
      throw new ShapeError(
        `${this.ckpt.file}: tensor '${e.name}' (${typeName(e.type)}) has a bad row length ${ec}`,
        {
          field: e.name,
          file: this.ckpt.file,
        },
      );
    }
    if (t.kind === 'permute' && (rows % t.heads !== 0 || (rows / t.heads) % 2 !== 0)) {
      throw new ShapeError(
        `${this.ckpt.file}: tensor '${e.name}' rows ${rows} do not split into ${t.heads} heads`,
        {
          field: e.name,
          file: this.ckpt.file,
        },
      );
    }
    if (t.kind === 'transpose' && typeTraits(e.type).quantized) {
      throw new UnsupportedError(
        `${this.ckpt.file}: tensor '${e.name}': cannot transpose ${typeName(e.type)} blocks`,
        {
          field: e.name,
          file: this.ckpt.file,
        },
      );
    }
    return { e, transform: t, rows, cols, rowBytes: rb };
  }

  /**
   * Fills `dst` (e.byteLength bytes) with the matrix in canonical layout. Untransformed tensors
   * are read straight into `dst`; a Q/K permutation runs in place through a one-head scratch; a
   * transpose reads into a scratch of one tensor. The scratch is reused across tensors.
   */
  protected fillMatrix(p: MatrixPlan, dst: Uint8Array): void {
    const { e, transform: t } = p;
    if (t.kind === 'none') {
      e.readInto(dst);
    } else if (t.kind === 'permute') {
      e.readInto(dst);
      const head = (p.rows / t.heads) * p.rowBytes;
      permuteRowsInPlace(dst, p.rows, p.rowBytes, t.heads, false, this.scratch(head));
    } else {
      const tmp = this.scratch(e.byteLength);
      e.readInto(tmp);
      transposeInto(tmp, dst, p.cols, p.rows, typeTraits(e.type).typeSize);
    }
  }

  /** A reusable scratch view of `bytes` bytes (grown on demand, dropped with the reader). */
  protected scratch(bytes: number): Uint8Array {
    if (this.scratchBuf.length < bytes) this.scratchBuf = allocBytes(bytes, 'load scratch', this.ckpt.file);
    return this.scratchBuf.subarray(0, bytes);
  }

  private scratchBuf: Uint8Array = new Uint8Array(0);

  /** Reads a matrix in canonical [rows, cols] layout, raw block bytes (a new array). */
  rawMatrix(canonical: string, rows: number, cols: number): RawMatrix {
    const p = this.planMatrix(canonical, rows, cols);
    const bytes = allocBytes(p.e.byteLength, p.e.name, this.ckpt.file);
    this.fillMatrix(p, bytes);
    this.params += rows * cols;
    return { type: p.e.type, rows, cols, bytes };
  }

  /** Reads a 1-D tensor of n values as f32. */
  vectorF32(canonical: string, n: number): Float32Array {
    const found = this.entry(canonical);
    if (found === undefined) this.missing(canonical);
    const { e, ref } = found;
    const shape = e.shape;
    const count = shape.reduce((a, b) => a * b, 1);
    if (count !== n || shape.filter((d) => d !== 1).length > 1) {
      throw new ShapeError(
        `${this.ckpt.file}: tensor '${e.name}' has shape [${shape.join(', ')}], the config needs [${n}]`,
        { field: e.name, file: this.ckpt.file },
      );
    }
    if (rowBytes(e.type, n) !== e.byteLength) {
      throw new ShapeError(
        `${this.ckpt.file}: tensor '${e.name}' (${typeName(e.type)}) has ${e.byteLength} bytes`,
        {
          field: e.name,
          file: this.ckpt.file,
        },
      );
    }
    const bytes = this.readBytes(e);
    const out = new Float32Array(n);
    if (e.type === GgmlType.F32) {
      new Uint8Array(out.buffer).set(bytes);
    } else {
      dequantizeRow(e.type, bytes, 0, out, 0, n);
    }
    this.params += n;
    if (ref.transform.kind === 'permute') {
      // A q/k bias follows its weight's row permutation.
      const p = permuteRows(new Uint8Array(out.buffer), n, 4, ref.transform.heads, false);
      return new Float32Array(p.buffer);
    }
    return out;
  }
}

/** Reads checkpoint tensors and uploads them to a backend (frees them all on abort()). */
export class WeightLoader extends TensorReader {
  /** Everything uploaded so far, freed by `abort()` when assembling the model fails. */
  private readonly uploaded: Weight[] = [];
  private readonly allocated: Buf[] = [];

  constructor(
    readonly backend: Backend,
    ckpt: Checkpoint,
    map: NameMap,
  ) {
    super(ckpt, map);
  }

  /**
   * The type a tensor stored as `type` is loaded as: itself when the backend has kernels for it,
   * else F32, dequantized at load (e.g. Q4_1/Q5_0/Q5_1 on the WASM backend: 4–6× the memory of
   * the file for those tensors, but the model runs). Throws UnsupportedError otherwise.
   */
  private loadType(type: GgmlType, name: string): GgmlType {
    if (this.backend.supportsWeight(type)) return type;
    if (canDequantize(type) && this.backend.supportsWeight(GgmlType.F32)) return GgmlType.F32;
    throw new UnsupportedError(
      `${this.ckpt.file}: tensor '${name}' has type ${typeName(type)}, which backend ${this.backend.name} does not support`,
      { field: name, file: this.ckpt.file },
    );
  }

  upload(m: RawMatrix, name: string): Weight {
    let w: Weight;
    if (this.loadType(m.type, name) === m.type) {
      w = this.backend.uploadWeight(m.type, m.rows, m.cols, m.bytes);
    } else {
      // Rows are whole blocks and contiguous: the matrix decodes as one run.
      const f = new Float32Array(m.rows * m.cols);
      dequantizeRow(m.type, m.bytes, 0, f, 0, m.rows * m.cols);
      w = this.backend.uploadWeight(GgmlType.F32, m.rows, m.cols, new Uint8Array(f.buffer));
    }
    this.uploaded.push(w);
    return w;
  }

  /** A new f32 backend buffer holding `data` (freed by abort()). */
  f32Buffer(data: Float32Array): Buf {
    const buf = this.backend.alloc(Math.max(1, data.length) * 4);
    this.allocated.push(buf);
    this.backend.write(buf, data);
    return buf;
  }

  /** Frees everything this loader uploaded (after a failed load). */
  abort(): void {
    for (const w of this.uploaded) this.backend.freeWeight(w);
    for (const b of this.allocated) this.backend.free(b);
    this.uploaded.length = 0;
    this.allocated.length = 0;
  }

  /**
   * Loads a matrix straight into its backend storage: the file bytes are read into the view
   * `allocWeight` returns (no temporary for untransformed tensors), then committed.
   */
  matrix(canonical: string, rows: number, cols: number): Weight {
    const p = this.planMatrix(canonical, rows, cols);
    const type = this.loadType(p.e.type, canonical);
    // A type the backend lacks kernels for is read into the (reused) scratch and dequantized.
    const src = type === p.e.type ? undefined : this.scratch(p.e.byteLength);
    if (src !== undefined) this.fillMatrix(p, src);
    const { weight, bytes } = this.backend.allocWeight(type, rows, cols);
    this.uploaded.push(weight);
    // No backend allocation until commit: the view stays valid while it is filled.
    if (src === undefined) {
      this.fillMatrix(p, bytes);
    } else {
      // Rows are whole blocks and contiguous: the matrix decodes as one run.
      dequantizeRow(
        p.e.type,
        src,
        0,
        new Float32Array(bytes.buffer, bytes.byteOffset, rows * cols),
        0,
        rows * cols,
      );
    }
    const w = this.backend.commitWeight(weight);
    this.uploaded[this.uploaded.length - 1] = w;
    this.params += rows * cols;
    return w;
  }

  optionalMatrix(canonical: string, rows: number, cols: number): Weight | null {
    return this.has(canonical) ? this.matrix(canonical, rows, cols) : null;
  }

  /** Reads a 1-D tensor into a new backend f32 buffer. */
  vector(canonical: string, n: number): Buf {
    return this.f32Buffer(this.vectorF32(canonical, n));
  }

  optionalVector(canonical: string, n: number): Buf | null {
    return this.has(canonical) ? this.vector(canonical, n) : null;
  }
}

/** Splits rows [r0, r0 + n) out of a raw matrix (rows are whole blocks, so any type works). */
export function sliceRows(m: RawMatrix, r0: number, n: number): RawMatrix {
  const rb = m.bytes.length / m.rows;
  return { type: m.type, rows: n, cols: m.cols, bytes: m.bytes.subarray(r0 * rb, (r0 + n) * rb) };
}
