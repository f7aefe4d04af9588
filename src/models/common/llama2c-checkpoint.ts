// A llama2.c `.bin` v0 checkpoint as a Checkpoint with canonical (GGUF) names, plus its config.
// llama2.c rotates adjacent pairs like GGUF's NORM rope, so no Q/K permutation is needed.
import type { ByteSource } from '../../io/byte-source.js';
import type { Llama2c } from '../../io/llama2c/index.js';
import { GgmlType } from '../../tensor/dtype.js';
import type { Checkpoint, TensorEntry } from './checkpoint.js';
import { type ModelConfig, validateConfig } from './config.js';

const LAYER: Readonly<Record<string, string>> = {
  rms_att_weight: 'attn_norm.weight',
  wq: 'attn_q.weight',
  wk: 'attn_k.weight',
  wv: 'attn_v.weight',
  wo: 'attn_output.weight',
  rms_ffn_weight: 'ffn_norm.weight',
  w1: 'ffn_gate.weight',
  w2: 'ffn_down.weight',
  w3: 'ffn_up.weight',
};

function canonicalName(n: string): string | undefined {
  if (n === 'token_embedding_table') return 'token_embd.weight';
  if (n === 'rms_final_weight') return 'output_norm.weight';
  if (n === 'wcls') return 'output.weight';
  const m = /^layers\.(\d+)\.(.+)$/.exec(n);
  if (m === null) return undefined;
  const s = LAYER[m[2]!];
  return s === undefined ? undefined : `blk.${m[1]}.${s}`;
}

export function llama2cCheckpoint(l: Llama2c, src: ByteSource): Checkpoint {
  const map = new Map<string, TensorEntry>();
  for (const t of l.tensors) {
    const name = canonicalName(t.name);
    if (name === undefined) continue;
    map.set(name, {
      name,
      type: GgmlType.F32,
      shape: t.shape,
      byteLength: t.byteLength,
      readInto: (dst) => src.readInto(t.offset, dst),
    });
  }
  return { format: 'llama2c', file: l.file, get: (n) => map.get(n), names: () => map.keys() };
}

export function llama2cConfig(l: Llama2c): ModelConfig {
  const c = l.config;
  const headDim = c.dim / c.nHeads;
  return validateConfig(
    {
      arch: 'llama',
      vocabSize: c.vocabSize,
      dim: c.dim,
      nLayer: c.nLayers,
      nHead: c.nHeads,
      nKvHead: c.nKvHeads,
      headDim,
      ffnDim: c.hiddenDim,
      contextLength: c.seqLen,
      normEps: 1e-5,
      rope: { theta: 10000, dim: headDim, neox: false, freqScale: 1, freqFactors: undefined },
      tiedEmbeddings: c.sharedClassifier,
      qkvBias: false,
      bosId: 1,
      eosId: 2,
    },
    l.file,
  );
}
