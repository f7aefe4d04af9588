// Reads tensors out of a checkpoint by their canonical (GGUF) names, applies the layout
// transforms a family's name map asks for (Q/K row permutation, Conv1D transpose), checks each
// shape against the config, and uploads to the backend.
import type { Backend, Buf, Weight } from '../../backend/backend.js';
import { ShapeError, UnsupportedError } from '../../errors.js';
import { dequantizeRow } from '../../quant/index.js';
import { GgmlType, rowBytes, typeName, typeTraits } from '../../tensor/dtype.js';
import type { Checkpoint, TensorEntry } from './checkpoint.js';

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

export interface RawMatrix {
  type: GgmlType;
  rows: number;
  cols: number;
  bytes: Uint8Array;
}

/** Row permutation between HF rotate-half and GGUF adjacent-pair Q/K layouts (whole rows). */
export function permuteRows(
  src: Uint8Array,
  rows: number,
  rowLen: number,
  heads: number,
  inverse: boolean,
): Uint8Array {
  const dst = new Uint8Array(src.length);
  const hd = rows / heads;
  const half = hd / 2;
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < half; i++) {
      for (let j = 0; j < 2; j++) {
        const ggufRow = h * hd + i * 2 + j;
        const hfRow = h * hd + j * half + i;
        const [to, from] = inverse ? [hfRow, ggufRow] : [ggufRow, hfRow];
        dst.set(src.subarray(from * rowLen, (from + 1) * rowLen), to * rowLen);
      }
    }
  }
  return dst;
}

/** Transposes a [r, c] matrix of plain `elemBytes`-wide elements into [c, r]. */
export function transposeBytes(src: Uint8Array, r: number, c: number, elemBytes: number): Uint8Array {
  const dst = new Uint8Array(src.length);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < c; j++) {
      const s = (i * c + j) * elemBytes;
      const d = (j * r + i) * elemBytes;
      for (let b = 0; b < elemBytes; b++) dst[d + b] = src[s + b]!;
    }
  }
  return dst;
}

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

  /** Reads a matrix in canonical [rows, cols] layout, raw block bytes. */
  rawMatrix(canonical: string, rows: number, cols: number): RawMatrix {
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
    let bytes = this.readBytes(e);
    if (t.kind === 'permute') {
      if (rows % t.heads !== 0 || (rows / t.heads) % 2 !== 0) {
        throw new ShapeError(
          `${this.ckpt.file}: tensor '${e.name}' rows ${rows} do not split into ${t.heads} heads`,
          {
            field: e.name,
            file: this.ckpt.file,
          },
        );
      }
      bytes = permuteRows(bytes, rows, rb, t.heads, false);
    } else if (t.kind === 'transpose') {
      const tr = typeTraits(e.type);
      if (tr.quantized) {
        throw new UnsupportedError(
          `${this.ckpt.file}: tensor '${e.name}': cannot transpose ${tr.name} blocks`,
          {
            field: e.name,
            file: this.ckpt.file,
          },
        );
      }
      bytes = transposeBytes(bytes, er, ec, tr.typeSize);
    }
    this.params += rows * cols;
    return { type: e.type, rows, cols, bytes };
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

  upload(m: RawMatrix, name: string): Weight {
    if (!this.backend.supportsWeight(m.type)) {
      throw new UnsupportedError(
        `${this.ckpt.file}: tensor '${name}' has type ${typeName(m.type)}, which backend ${this.backend.name} does not support`,
        { field: name, file: this.ckpt.file },
      );
    }
    const w = this.backend.uploadWeight(m.type, m.rows, m.cols, m.bytes);
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

  matrix(canonical: string, rows: number, cols: number): Weight {
    return this.upload(this.rawMatrix(canonical, rows, cols), canonical);
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
