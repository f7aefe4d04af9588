// `llmts init`: a randomly initialised model of a known shape, as GGUF tensors produced on demand.
// Weights 0.02·N(0,1) from a seeded generator, norm gains 1, biases 0; 2-D weights in the chosen
// type (F32, F16, Q8_0, Q4_0 via quant/ quantizeRow; rows that do not fit the block stay F32).
import { UsageError } from '../errors.js';
import { type ModelConfig, validateConfig } from '../models/common/config.js';
import type { ModelFamily } from '../models/common/family.js';
import { canonicalShape } from '../models/common/shapes.js';
import { familyById } from '../models/registry.js';
import { quantizeRow } from '../quant/index.js';
import { GgmlType, rowBytes } from '../tensor/dtype.js';
import type { GgufOutTensor } from './convert-tensors.js';

export interface Preset {
  arch: 'llama' | 'qwen2' | 'gpt2';
  config: Omit<ModelConfig, 'arch'>;
}

const llamaRope = (headDim: number, theta = 10000) => ({
  theta,
  dim: headDim,
  neox: false,
  freqScale: 1,
  freqFactors: undefined,
});

function llamaPreset(
  dim: number,
  nLayer: number,
  nHead: number,
  nKvHead: number,
  ffnDim: number,
  vocabSize: number,
  contextLength: number,
  tied: boolean,
): Preset {
  const headDim = dim / nHead;
  return {
    arch: 'llama',
    config: {
      vocabSize,
      dim,
      nLayer,
      nHead,
      nKvHead,
      headDim,
      ffnDim,
      contextLength,
      normEps: 1e-5,
      rope: llamaRope(headDim),
      tiedEmbeddings: tied,
      qkvBias: false,
      bosId: 1,
      eosId: 2,
    },
  };
}

export const PRESETS: Readonly<Record<string, Preset>> = {
  'tinyllama-1.1b': llamaPreset(2048, 22, 32, 4, 5632, 32000, 2048, false),
  'smollm-135m': llamaPreset(576, 30, 9, 3, 1536, 49152, 2048, true),
  'llama-110m': llamaPreset(768, 12, 12, 12, 2048, 32000, 1024, true),
  stories15m: llamaPreset(288, 6, 6, 6, 768, 32000, 256, true),
  'gpt2-124m': {
    arch: 'gpt2',
    config: {
      vocabSize: 50257,
      dim: 768,
      nLayer: 12,
      nHead: 12,
      nKvHead: 12,
      headDim: 64,
      ffnDim: 3072,
      contextLength: 1024,
      normEps: 1e-5,
      rope: null,
      tiedEmbeddings: true,
      qkvBias: true,
      bosId: 50256,
      eosId: 50256,
    },
  },
  'qwen2-0.5b': {
    arch: 'qwen2',
    config: {
      vocabSize: 151936,
      dim: 896,
      nLayer: 24,
      nHead: 14,
      nKvHead: 2,
      headDim: 64,
      ffnDim: 4864,
      contextLength: 32768,
      normEps: 1e-6,
      rope: { theta: 1e6, dim: 64, neox: true, freqScale: 1, freqFactors: undefined },
      tiedEmbeddings: true,
      qkvBias: true,
    },
  },
};

export const INIT_DTYPES: Readonly<Record<string, GgmlType>> = {
  f32: GgmlType.F32,
  f16: GgmlType.F16,
  q8_0: GgmlType.Q8_0,
  q4_0: GgmlType.Q4_0,
};

/** A seeded normal generator (splitmix64 seeding, 64-bit xorshift, Box-Muller). */
export class NormalRng {
  private hi: number;
  private lo: number;
  private spare: number | undefined;

  constructor(seed: number) {
    let x = BigInt.asUintN(64, BigInt(seed) * 0x9e3779b97f4a7c15n + 0x632be59bd9b4e019n);
    x = BigInt.asUintN(64, (x ^ (x >> 30n)) * 0xbf58476d1ce4e5b9n);
    x = BigInt.asUintN(64, (x ^ (x >> 27n)) * 0x94d049bb133111ebn);
    x ^= x >> 31n;
    this.hi = Number(x >> 32n) >>> 0;
    this.lo = Number(x & 0xffffffffn) >>> 0;
    if (this.hi === 0 && this.lo === 0) this.lo = 1;
  }

  /** Uniform in (0, 1). */
  uniform(): number {
    let t = this.hi;
    const s = this.lo;
    this.hi = s;
    t ^= t << 11;
    t ^= t >>> 8;
    this.lo = (t ^ s ^ (s >>> 19)) >>> 0;
    return (this.lo + 0.5) / 4294967296;
  }

  normal(): number {
    if (this.spare !== undefined) {
      const v = this.spare;
      this.spare = undefined;
      return v;
    }
    const r = Math.sqrt(-2 * Math.log(this.uniform()));
    const a = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(a);
    return r * Math.cos(a);
  }
}

export interface InitPlan {
  family: ModelFamily;
  config: ModelConfig;
  tensors: GgufOutTensor[];
}

/** Resolves a preset (checking --arch against it) and plans the tensors. */
export function planInit(
  arch: string,
  presetName: string,
  dtype: string,
  seed: number,
  vocabSize?: number,
): InitPlan {
  const preset = PRESETS[presetName];
  if (preset === undefined) {
    throw new UsageError(`unknown preset '${presetName}' (known: ${Object.keys(PRESETS).join(', ')})`, {
      field: '--preset',
    });
  }
  if (arch !== preset.arch) {
    throw new UsageError(`preset ${presetName} is a ${preset.arch} model, not ${arch}`, { field: '--arch' });
  }
  const type = INIT_DTYPES[dtype];
  if (type === undefined) {
    throw new UsageError(`--dtype must be one of ${Object.keys(INIT_DTYPES).join(', ')} (got '${dtype}')`, {
      field: '--dtype',
    });
  }
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new UsageError(`--seed must be a non-negative integer`, { field: '--seed' });
  const family = familyById(arch)!;
  const config = validateConfig({
    ...preset.config,
    arch,
    ...(vocabSize !== undefined ? { vocabSize } : {}),
  });
  const rng = new NormalRng(seed);
  const names = family.tensorNames(config);
  if (arch === 'gpt2') names.push('output.weight'); // llama.cpp's gpt2 loader requires it (a copy)
  let embCache: Uint8Array | undefined;
  const tensors = names.map((name): GgufOutTensor => {
    const shape = canonicalShape(config, name)!;
    if (shape.length === 1) {
      const n = shape[0]!;
      const value = name.endsWith('norm.weight') ? 1 : 0;
      return {
        name,
        type: GgmlType.F32,
        shape: [n],
        byteLength: n * 4,
        produce: () => new Uint8Array(new Float32Array(n).fill(value).buffer),
      };
    }
    const [rows, cols] = shape as [number, number];
    const rb = rowBytes(type, cols);
    const t = rb === undefined ? GgmlType.F32 : type;
    const rowB = rowBytes(t, cols)!;
    const copyOfEmb = arch === 'gpt2' && name === 'output.weight';
    return {
      name,
      type: t,
      shape: [cols, rows],
      byteLength: rowB * rows,
      produce: () => {
        if (copyOfEmb && embCache !== undefined) return embCache;
        const out = new Uint8Array(rowB * rows);
        const row = new Float32Array(cols);
        for (let r = 0; r < rows; r++) {
          for (let j = 0; j < cols; j++) row[j] = 0.02 * rng.normal();
          if (t === GgmlType.F32) out.set(new Uint8Array(row.buffer), r * rowB);
          else quantizeRow(t, row, 0, out, r * rowB, cols);
        }
        if (arch === 'gpt2' && name === 'token_embd.weight') embCache = out;
        return out;
      },
    };
  });
  return { family, config, tensors };
}
