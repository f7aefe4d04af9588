// Table building for `llmts bench quant-types`: which tensors of a quantized file did not get the
// target's type (llama-quantize's mixture rules and fallbacks), checked against the quantize
// job's plan, grouped per tensor role; and the markdown table of size / perplexity / speed.
import type { TensorPlan } from '../jobs/quantize.js';
import { type GgmlType, typeName } from '../tensor/dtype.js';

/** A tensor as it sits in the output GGUF (a GgufTensorInfo fits). */
export interface OutTensor {
  readonly name: string;
  readonly type: GgmlType;
}

/** One tensor whose output type is neither the source type nor the target's default type. */
export interface TypeDecision {
  readonly name: string;
  /** Output type name (e.g. "f16"). */
  readonly type: string;
  /** 'fallback': rows do not fit the blocks; 'rule': a llama-quantize mixture/output rule. */
  readonly kind: 'fallback' | 'rule';
  readonly note: string;
}

/** A mismatch between the written file and the quantize job's plan (a bug if ever non-empty). */
export interface PlanMismatch {
  readonly name: string;
  readonly planned?: string;
  readonly written?: string;
}

function isFallbackNote(note: string): boolean {
  return note.startsWith('rows of') || note.includes('not a block multiple');
}

/**
 * The tensors of an output file that did not get `target` (the default type of the quantize
 * target), with the reason from the plan, and every disagreement between plan and file.
 */
export function typeDecisions(
  target: GgmlType,
  written: readonly OutTensor[],
  plans: readonly TensorPlan[],
): { decisions: TypeDecision[]; mismatches: PlanMismatch[] } {
  const byName = new Map(plans.map((p) => [p.src.name, p]));
  const decisions: TypeDecision[] = [];
  const mismatches: PlanMismatch[] = [];
  const seen = new Set<string>();
  for (const t of written) {
    seen.add(t.name);
    const p = byName.get(t.name);
    if (p === undefined || p.type !== t.type) {
      mismatches.push(
        p === undefined
          ? { name: t.name, written: typeName(t.type) }
          : { name: t.name, planned: typeName(p.type), written: typeName(t.type) },
      );
      continue;
    }
    if (t.type === target || t.type === p.src.type) continue;
    const note = p.note ?? 'no rule recorded';
    decisions.push({
      name: t.name,
      type: typeName(t.type),
      kind: isFallbackNote(note) ? 'fallback' : 'rule',
      note,
    });
  }
  for (const p of plans)
    if (!seen.has(p.src.name)) mismatches.push({ name: p.src.name, planned: typeName(p.type) });
  return { decisions, mismatches };
}

/** Sorted layer numbers as ranges: [0,1,2,4] → "0-2,4". */
export function layerRanges(layers: readonly number[]): string {
  const s = [...new Set(layers)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j]! + 1) j++;
    parts.push(i === j ? `${s[i]}` : `${s[i]}-${s[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** Decisions grouped by tensor role (name without `blk.N.`), type and kind. */
export interface DecisionGroup {
  /** e.g. "blk.{0-4}.ffn_down.weight" or "output.weight". */
  readonly tensors: string;
  readonly count: number;
  readonly type: string;
  readonly kind: 'fallback' | 'rule';
  /** The note of the first tensor of the group (layer indices in notes may differ). */
  readonly note: string;
}

export function groupDecisions(decisions: readonly TypeDecision[]): DecisionGroup[] {
  const groups = new Map<string, { role: string; layers: number[]; d: TypeDecision; count: number }>();
  for (const d of decisions) {
    const m = /^blk\.(\d+)\.(.+)$/.exec(d.name);
    const role = m === null ? d.name : m[2]!;
    const key = `${role}\u0000${d.type}\u0000${d.kind}`;
    let g = groups.get(key);
    if (g === undefined) {
      g = { role, layers: [], d, count: 0 };
      groups.set(key, g);
    }
    g.count++;
    if (m !== null) g.layers.push(Number(m[1]));
  }
  return [...groups.values()].map((g) => ({
    tensors: g.layers.length === 0 ? g.role : `blk.{${layerRanges(g.layers)}}.${g.role}`,
    count: g.count,
    type: g.d.type,
    kind: g.d.kind,
    note: g.d.note,
  }));
}

/** One row of the table: a file (the source or one quantization of it) and its measures. */
export interface TypeRow {
  /** Target name (q4_k_m, …) or the source's type for the reference row. */
  readonly type: string;
  readonly source: boolean;
  readonly bytes: number;
  /** File bits per model weight (file bytes * 8 / weights). */
  readonly bpw: number;
  quantizeSeconds?: number;
  ppl?: number;
  pplStderr?: number;
  /** Set when the perplexity is that of the weights decoded to F32 (--dequantized). */
  pplVia?: 'dequantized';
  prefillTps?: number;
  decodeTps?: number;
  groups: DecisionGroup[];
  /** Why a measurement failed, if one did. */
  error?: string;
}

/** Perplexity change against the reference: absolute and percent. */
export function pplDelta(
  ppl: number | undefined,
  ref: number | undefined,
): { abs: number; pct: number } | undefined {
  if (ppl === undefined || ref === undefined || !(ref > 0)) return undefined;
  return { abs: ppl - ref, pct: ((ppl - ref) / ref) * 100 };
}

const MiB = 1024 * 1024;

function fmt(v: number | undefined, digits: number): string {
  return v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);
}

function signed(v: number, digits: number): string {
  const s = v.toFixed(digits);
  return v >= 0 ? `+${s}` : s;
}

/** The markdown table; the reference row (the source) is the one Δ is measured against. */
export function markdownTable(rows: readonly TypeRow[], opts: { ppl: boolean; speed: boolean }): string {
  const ref = rows.find((r) => r.source);
  const head = ['type', 'size MiB', 'bits/weight'];
  if (opts.ppl) head.push('PPL', '± (stderr)', `Δ PPL vs ${ref?.type ?? 'source'}`, 'Δ %');
  if (opts.speed) head.push('prefill tok/s', 'decode tok/s');
  head.push('fallbacks', 'notes');
  const lines = [
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 || i === head.length - 1 ? '---' : '---:')).join('|')}|`,
  ];
  for (const r of rows) {
    const cells = [r.source ? `${r.type} (source)` : r.type, (r.bytes / MiB).toFixed(2), r.bpw.toFixed(2)];
    if (opts.ppl) {
      const d = r.source ? undefined : pplDelta(r.ppl, ref?.ppl);
      cells.push(
        fmt(r.ppl, 4),
        fmt(r.pplStderr, 4),
        d === undefined ? '—' : signed(d.abs, 4),
        d === undefined ? '—' : `${signed(d.pct, 2)} %`,
      );
    }
    if (opts.speed) cells.push(fmt(r.prefillTps, 1), fmt(r.decodeTps, 2));
    const fb = r.groups.filter((g) => g.kind === 'fallback').reduce((s, g) => s + g.count, 0);
    const notes: string[] = [];
    if (r.pplVia !== undefined) notes.push(`PPL of the weights decoded to F32 (${r.pplVia})`);
    if (r.error !== undefined) notes.push(`failed: ${r.error.replaceAll('|', '/')}`);
    cells.push(String(fb), notes.join('; '));
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** The per-type list of tensors that did not get the target type, for under the table. */
export function decisionList(rows: readonly TypeRow[]): string {
  const out: string[] = [];
  for (const r of rows) {
    if (r.groups.length === 0) continue;
    out.push(`- ${r.type}:`);
    for (const g of r.groups) out.push(`  - ${g.tensors} → ${g.type} (${g.kind}: ${g.note})`);
  }
  return out.join('\n');
}
