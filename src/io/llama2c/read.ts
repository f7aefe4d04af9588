// llama2.c `.bin` v0 ("legacy") checkpoints: a header of 7 int32 (dim, hidden_dim, n_layers,
// n_heads, n_kv_heads, vocab_size, seq_len; vocab_size < 0 means an unshared classifier follows)
// then fp32 weights in llama2.c order. The tensor table is validated against the file size
// exactly before anything is read; data stays in the source.
import { FormatError } from '../../errors.js';
import type { ByteSource } from '../byte-source.js';
import { Cursor } from '../cursor.js';

export interface Llama2cConfig {
  readonly dim: number;
  readonly hiddenDim: number;
  readonly nLayers: number;
  readonly nHeads: number;
  readonly nKvHeads: number;
  readonly vocabSize: number;
  readonly seqLen: number;
  /** True when the classifier is the token embedding (vocab_size > 0 in the header). */
  readonly sharedClassifier: boolean;
}

export interface Llama2cTensorInfo {
  /** llama2.c names; per-layer tensors as `layers.{l}.wq` etc. */
  readonly name: string;
  /** Row-major shape, outermost first ([out, in] for matrices, as llama2.c's matmul reads them). */
  readonly shape: readonly number[];
  /** Absolute byte offset of the fp32 data. */
  readonly offset: number;
  readonly byteLength: number;
}

export interface Llama2c {
  readonly file: string;
  readonly config: Llama2cConfig;
  /** Tensors in file order; `wcls` only when the classifier is not shared. */
  readonly tensors: readonly Llama2cTensorInfo[];
}

export const LLAMA2C_HEADER_BYTES = 28;
const MAX_DIM = 1 << 20;

/** Parses a llama2.c v0 checkpoint's header and tensor table. */
export function readLlama2c(src: ByteSource): Llama2c {
  const file = src.name;
  const c = new Cursor(src);
  if (src.size < LLAMA2C_HEADER_BYTES) {
    throw new FormatError(`${file}: too short for a llama2.c header (${src.size} bytes)`, {
      file,
      offset: 0,
    });
  }
  const field = (name: string, min: number): number => {
    const v = c.i32(name);
    if (v < min || v > MAX_DIM) {
      throw new FormatError(`${file}: llama2.c header ${name} = ${v} is out of range [${min}, ${MAX_DIM}]`, {
        field: name,
        file,
        offset: c.pos - 4,
      });
    }
    return v;
  };
  const dim = field('dim', 1);
  const hiddenDim = field('hidden_dim', 1);
  const nLayers = field('n_layers', 1);
  const nHeads = field('n_heads', 1);
  const nKvHeads = field('n_kv_heads', 1);
  const rawVocab = c.i32('vocab_size');
  const seqLen = field('seq_len', 1);
  const vocabSize = Math.abs(rawVocab);
  const bad = (msg: string, f: string) =>
    new FormatError(`${file}: llama2.c header: ${msg}`, { field: f, file });
  if (rawVocab === 0 || vocabSize > MAX_DIM)
    throw bad(`vocab_size ${rawVocab} is out of range`, 'vocab_size');
  if (dim % nHeads !== 0) throw bad(`dim ${dim} is not a multiple of n_heads ${nHeads}`, 'n_heads');
  if (nKvHeads > nHeads || nHeads % nKvHeads !== 0)
    throw bad(`n_heads ${nHeads} is not a multiple of n_kv_heads ${nKvHeads}`, 'n_kv_heads');
  const headSize = dim / nHeads;
  if (headSize % 2 !== 0) throw bad(`head size ${headSize} is odd`, 'n_heads');
  const kvDim = headSize * nKvHeads;
  const config: Llama2cConfig = {
    dim,
    hiddenDim,
    nLayers,
    nHeads,
    nKvHeads,
    vocabSize,
    seqLen,
    sharedClassifier: rawVocab > 0,
  };

  // Check the total size arithmetically first: the table has 10 entries per layer, so a hostile
  // n_layers must not make us build it before the file size confirms it.
  const perLayerFloats = dim + dim * dim + 2 * kvDim * dim + dim * dim + dim + 3 * hiddenDim * dim;
  const total =
    LLAMA2C_HEADER_BYTES +
    4 *
      (vocabSize * dim * (config.sharedClassifier ? 1 : 2) +
        nLayers * perLayerFloats +
        dim +
        seqLen * headSize);
  if (total !== src.size) {
    throw new FormatError(
      `${file}: llama2.c checkpoint should have ${total} bytes for its header (dim ${dim}, layers ${nLayers}, vocab ${vocabSize}), but has ${src.size}`,
      { file },
    );
  }
  const tensors: Llama2cTensorInfo[] = [];
  let offset = LLAMA2C_HEADER_BYTES;
  const add = (name: string, shape: number[]) => {
    const n = shape.reduce((a, b) => a * b, 1); // each factor <= 2^20, at most 3 factors: exact
    tensors.push({ name, shape, offset, byteLength: n * 4 });
    offset += n * 4;
  };
  const perLayer = (name: string, shape: number[]) => {
    for (let l = 0; l < nLayers; l++) add(`layers.${l}.${name}`, shape);
  };
  add('token_embedding_table', [vocabSize, dim]);
  perLayer('rms_att_weight', [dim]);
  perLayer('wq', [dim, dim]);
  perLayer('wk', [kvDim, dim]);
  perLayer('wv', [kvDim, dim]);
  perLayer('wo', [dim, dim]);
  perLayer('rms_ffn_weight', [dim]);
  perLayer('w1', [hiddenDim, dim]);
  perLayer('w2', [dim, hiddenDim]);
  perLayer('w3', [hiddenDim, dim]);
  add('rms_final_weight', [dim]);
  offset += seqLen * headSize * 4; // freq_cis_real and freq_cis_imag: seq_len x head_size/2 each
  if (!config.sharedClassifier) add('wcls', [vocabSize, dim]);
  return { file, config, tensors };
}

/** Reads one tensor's fp32 values (little-endian in the file). */
export function readLlama2cTensor(src: ByteSource, t: Llama2cTensorInfo): Float32Array {
  const out = new Float32Array(t.byteLength / 4);
  src.readInto(t.offset, new Uint8Array(out.buffer));
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] === 0) {
    const dv = new DataView(out.buffer);
    for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(i * 4, true);
  }
  return out;
}
