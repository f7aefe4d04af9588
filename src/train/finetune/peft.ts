// LoRA adapters in Hugging Face PEFT's format: `adapter_config.json` + `adapter_model.safetensors`
// with PEFT's tensor names (base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight ...).
// Our LLaMA q/k weights are in GGUF's permuted row order, so lora_B rows of q/k are un-permuted on
// save and permuted on load: the adapter then means the same ΔW for transformers as here.
import { FormatError, UnsupportedError } from '../../errors.js';
import type { SafetensorsWriteTensor } from '../../io/safetensors/index.js';
import { unpermuteQk } from '../export.js';
import type { NetConfig } from '../nets/index.js';

/** GGUF module kind ↔ HF module path inside a LLaMA decoder layer. */
export const LLAMA_MODULES: Readonly<Record<string, string>> = {
  attn_q: 'self_attn.q_proj',
  attn_k: 'self_attn.k_proj',
  attn_v: 'self_attn.v_proj',
  attn_output: 'self_attn.o_proj',
  ffn_gate: 'mlp.gate_proj',
  ffn_up: 'mlp.up_proj',
  ffn_down: 'mlp.down_proj',
};

/** Accepts GGUF kinds (attn_q), HF names (q_proj) or 'all-linear'; returns GGUF kinds. */
export function normalizeTargets(list: readonly string[]): string[] {
  const out = new Set<string>();
  for (const raw of list) {
    const t = raw.trim();
    if (t === 'all-linear') return ['all-linear'];
    const gguf = Object.entries(LLAMA_MODULES).find(([k, hf]) => k === t || hf.endsWith(`.${t}`))?.[0];
    if (gguf === undefined) {
      throw new UnsupportedError(
        `unknown LoRA target "${t}"; use ${Object.keys(LLAMA_MODULES).join(', ')}, their HF names (q_proj ...) or all-linear`,
      );
    }
    out.add(gguf);
  }
  return [...out];
}

/** Permutes rows HF (rotate-half) → GGUF (adjacent pairs): the inverse of unpermuteQk. */
export function permuteQk(w: Float32Array, rows: number, cols: number, nHead: number): Float32Array {
  const hd = rows / nHead;
  const out = new Float32Array(w.length);
  for (let h = 0; h < nHead; h++) {
    for (let i = 0; i < hd / 2; i++) {
      for (let j = 0; j < 2; j++) {
        const hf = (h * hd + j * (hd / 2) + i) * cols;
        const gg = (h * hd + 2 * i + j) * cols;
        out.set(w.subarray(hf, hf + cols), gg);
      }
    }
  }
  return out;
}

export interface AdapterTensors {
  /** GGUF base weight name → { a [r, in], b [out, r] } in our layout. */
  readonly layers: Map<string, { a: Float32Array; b: Float32Array; rows: number; cols: number }>;
  readonly r: number;
  readonly alpha: number;
}

function qkHeads(net: NetConfig, kind: string): number | undefined {
  if (net.arch !== 'llama') return undefined;
  if (kind === 'attn_q') return net.nHead;
  if (kind === 'attn_k') return net.nKvHead;
  return undefined;
}

/** adapter_config.json and adapter_model.safetensors tensors for a LLaMA adapter. */
export function toPeft(
  net: NetConfig,
  ad: AdapterTensors,
  baseModel: string,
): { config: Record<string, unknown>; tensors: SafetensorsWriteTensor[] } {
  if (net.arch !== 'llama') throw new UnsupportedError('PEFT export supports LLaMA-family models only');
  const tensors: SafetensorsWriteTensor[] = [];
  const kinds = new Set<string>();
  for (const [name, t] of ad.layers) {
    const m = /^blk\.(\d+)\.([a-z_]+)\.weight$/.exec(name);
    const hf = m === null ? undefined : LLAMA_MODULES[m[2]!];
    if (m === null || hf === undefined) throw new FormatError(`no PEFT name for ${name}`);
    kinds.add(hf.split('.')[1]!);
    const heads = qkHeads(net, m[2]!);
    const b = heads === undefined ? t.b : unpermuteQk(t.b, t.rows, ad.r, heads);
    const prefix = `base_model.model.model.layers.${m[1]}.${hf}`;
    const bytes = (x: Float32Array) => new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
    tensors.push({ name: `${prefix}.lora_A.weight`, dtype: 'F32', shape: [ad.r, t.cols], data: bytes(t.a) });
    tensors.push({ name: `${prefix}.lora_B.weight`, dtype: 'F32', shape: [t.rows, ad.r], data: bytes(b) });
  }
  const config = {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: baseModel,
    r: ad.r,
    lora_alpha: ad.alpha,
    lora_dropout: 0,
    target_modules: [...kinds].sort(),
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    modules_to_save: null,
    use_rslora: false,
    use_dora: false,
    layers_to_transform: null,
    revision: null,
  };
  return { config, tensors };
}

/** Reads a PEFT adapter (config + named tensors) into our layout, checking names and shapes. */
export function fromPeft(
  net: NetConfig,
  config: unknown,
  tensors: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>,
  file: string,
): AdapterTensors {
  if (net.arch !== 'llama')
    throw new UnsupportedError('PEFT adapters are supported for LLaMA-family models only');
  const c = config as Record<string, unknown>;
  if (c === null || typeof c !== 'object' || c.peft_type !== 'LORA') {
    throw new FormatError(`${file}: adapter_config.json is not a LoRA adapter (peft_type)`, {
      file,
      field: 'peft_type',
    });
  }
  const r = c.r;
  const alpha = c.lora_alpha;
  if (!Number.isInteger(r) || (r as number) < 1)
    throw new FormatError(`${file}: bad r`, { file, field: 'r' });
  if (typeof alpha !== 'number' || !(alpha > 0))
    throw new FormatError(`${file}: bad lora_alpha`, { file, field: 'lora_alpha' });
  if (c.use_dora === true || c.use_rslora === true)
    throw new UnsupportedError(`${file}: DoRA / rsLoRA adapters are not supported`);
  const layers = new Map<string, { a: Float32Array; b: Float32Array; rows: number; cols: number }>();
  const hd = net.dim / net.nHead;
  for (const [name, t] of tensors) {
    const m = /^base_model\.model\.model\.layers\.(\d+)\.([a-z_]+\.[a-z_]+)\.lora_A\.weight$/.exec(name);
    if (m === null) {
      if (/\.lora_B\.weight$/.test(name)) continue;
      throw new FormatError(`${file}: unexpected tensor ${name}`, { file, field: name });
    }
    const layer = Number(m[1]);
    const kind = Object.entries(LLAMA_MODULES).find(([, hf]) => hf === m[2])?.[0];
    if (kind === undefined || layer >= net.nLayer)
      throw new FormatError(`${file}: ${name} does not fit the base model`, { file, field: name });
    const bName = name.replace('.lora_A.', '.lora_B.');
    const bt = tensors.get(bName);
    if (bt === undefined) throw new FormatError(`${file}: ${bName} is missing`, { file, field: bName });
    const kv = net.nKvHead * hd;
    const [rows, cols] =
      kind === 'attn_k' || kind === 'attn_v'
        ? [kv, net.dim]
        : kind === 'ffn_gate' || kind === 'ffn_up'
          ? [net.ffnDim, net.dim]
          : kind === 'ffn_down'
            ? [net.dim, net.ffnDim]
            : [net.dim, net.dim];
    if (t.shape[0] !== r || t.shape[1] !== cols || bt.shape[0] !== rows || bt.shape[1] !== r) {
      throw new FormatError(
        `${file}: ${name} [${t.shape.join(', ')}] / lora_B [${bt.shape.join(', ')}] do not fit the base (${rows}×${cols}, r ${r})`,
        { file, field: name },
      );
    }
    const heads = qkHeads(net, kind);
    const b = heads === undefined ? bt.data : permuteQk(bt.data, rows, r as number, heads);
    layers.set(`blk.${layer}.${kind}.weight`, { a: t.data, b, rows, cols });
  }
  if (layers.size === 0) throw new FormatError(`${file}: the adapter holds no LoRA weights`, { file });
  return { layers, r: r as number, alpha };
}

/** W + (α/r)·B·A for every adapted layer, in place on a copy of the base tensors. */
export function mergeAdapter(
  base: ReadonlyMap<string, Float32Array>,
  ad: AdapterTensors,
): Map<string, Float32Array> {
  const out = new Map(base);
  const s = ad.alpha / ad.r;
  for (const [name, { a, b, rows, cols }] of ad.layers) {
    const w = base.get(name);
    if (w === undefined || w.length !== rows * cols)
      throw new FormatError(`merge: the base has no ${rows}×${cols} tensor ${name}`);
    const merged = Float32Array.from(w);
    for (let i = 0; i < rows; i++) {
      for (let k = 0; k < ad.r; k++) {
        const bik = s * b[i * ad.r + k]!;
        if (bik === 0) continue;
        const row = i * cols;
        const arow = k * cols;
        for (let j = 0; j < cols; j++) merged[row + j]! += bik * a[arow + j]!;
      }
    }
    out.set(name, merged);
  }
  return out;
}
