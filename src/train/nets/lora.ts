// LoRA (Hu et al. 2021) as PEFT implements it: a frozen base Linear W plus a trainable low-rank
// update, y = x·Wᵀ + (α/r)·(x·Aᵀ)·Bᵀ with A [r, in] (Kaiming-uniform init) and B [out, r] (zeros),
// so training starts exactly at the base model. Adapters are keyed by the base weight's name.
import { add, type Graph, linear, type ParamStore, scale, type Var } from '../../autograd/index.js';
import { ConfigError } from '../../errors.js';
import type { Rng } from '../rng.js';

export interface LoraAdapter {
  a: Var;
  b: Var;
  scale: number;
}

export type Adapters = ReadonlyMap<string, LoraAdapter>;

export interface LoraConfig {
  r: number;
  alpha: number;
  /** Module kinds to adapt, GGUF names without `blk.N.` and `.weight` (attn_q, ffn_down ...). */
  targets: readonly string[];
}

/** The projection every net uses: the base Linear, plus a LoRA update when one is attached. */
export function project(
  g: Graph,
  params: ParamStore,
  adapters: Adapters | undefined,
  x: Var,
  weight: string,
  bias?: string,
): Var {
  const y = linear(g, x, params.get(weight), bias === undefined ? null : params.get(bias));
  const ad = adapters?.get(weight);
  if (ad === undefined) return y;
  const h = linear(g, x, ad.a); // [N, r]
  return add(g, y, scale(g, linear(g, h, ad.b), ad.scale)); // [N, out]
}

/** Base weight names (2-D, per layer) that LoRA can target in a net's parameter store. */
export function loraTargetsOf(params: ParamStore, kinds: readonly string[]): string[] {
  const out: string[] = [];
  for (const [spec] of params.entries()) {
    const m = /^blk\.\d+\.([a-z_]+)\.weight$/.exec(spec.name);
    if (m === null || spec.shape.length !== 2) continue;
    if (kinds.includes('all-linear') || kinds.includes(m[1]!)) out.push(spec.name);
  }
  return out;
}

/** Adds A/B parameters for every target and freezes nothing (callers freeze the base). */
export function addLoraAdapters(params: ParamStore, c: LoraConfig, rng: Rng): Map<string, LoraAdapter> {
  if (!Number.isInteger(c.r) || c.r < 1 || c.r > 4096)
    throw new ConfigError(`LoRA rank r must be 1..4096, got ${c.r}`, { field: 'r' });
  if (!(c.alpha > 0))
    throw new ConfigError(`LoRA alpha must be positive, got ${c.alpha}`, { field: 'alpha' });
  const names = loraTargetsOf(params, c.targets);
  if (names.length === 0) {
    throw new ConfigError(`LoRA targets ${c.targets.join(', ')} match no layer of this model`, {
      field: 'targets',
    });
  }
  const out = new Map<string, LoraAdapter>();
  for (const name of names) {
    const [rows, cols] = params.get(name).shape as [number, number];
    // Kaiming-uniform with a = √5 (torch.nn.Linear's default, as PEFT uses): bound = 1/√in.
    const bound = 1 / Math.sqrt(cols);
    const a = new Float32Array(c.r * cols);
    for (let i = 0; i < a.length; i++) a[i] = (rng.next() * 2 - 1) * bound;
    const base = name.slice(0, -'.weight'.length);
    const av = params.add({ name: `${base}.lora_a`, shape: [c.r, cols], decay: false }, a);
    const bv = params.add(
      { name: `${base}.lora_b`, shape: [rows, c.r], decay: false },
      new Float32Array(rows * c.r),
    );
    out.set(name, { a: av, b: bv, scale: c.alpha / c.r });
  }
  return out;
}
