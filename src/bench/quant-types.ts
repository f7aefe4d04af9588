// `llmts bench quant-types -m MODEL.gguf [--text FILE] [--ctx N] [--types a,b:pure] [--speed [--p P --n N
// --reps R]] [--dequantized] [--json]`:
// quantizes an F32/F16/BF16 GGUF to every type into a temporary folder (deleted afterwards; each
// file is deleted as soon as it is measured), and reports per type the file size, bits per weight,
// the tensors llama-quantize's rules moved off the target type (mixture rules and fallbacks, read
// back from the written file and checked against the quantize job's plan), the perplexity of FILE
// (`llmts eval`, run as a child process: the same code and flags) with its change against the
// source, and with --speed prefill/decode tokens/s (`llmts bench model`'s own measuring code, in
// a child process per file). Types without a WASM kernel (q4_1, q5_0, q5_1) are widened to F32 by
// the loader; --dequantized measures every type on its weights decoded to F32 (quant-types-dequant.ts).
// q4_k/q5_k are listed as `:pure` (every 2-D weight in the type): plain q4_k/q5_k are
// llama-quantize aliases of q4_k_m/q5_k_m and would repeat those rows.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.js';
import { openFileSource } from '../io/byte-source-node.js';
import { readGguf } from '../io/gguf/index.js';
import { parseQuantTarget, type QuantTarget } from '../jobs/quantize.js';
import { openQuantizeInput } from '../jobs/quantize-input-node.js';
import { quantizeFile } from '../jobs/quantize-node.js';
import { GgmlType, typeName, typeTraits } from '../tensor/dtype.js';
import { writeDequantized } from './quant-types-dequant.js';
import {
  decisionList,
  groupDecisions,
  markdownTable,
  pplDelta,
  type TypeRow,
  typeDecisions,
} from './quant-types-table.js';
import type { Benchmark, BenchOptions, BenchResult } from './registry.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'dist', 'cli', 'bin.js');
const MODEL_CHILD = join(ROOT, 'dist', 'bench', 'model-child.js');
const PEERS = join(ROOT, 'bench', 'peers', 'node_modules', 'node-llama-cpp');

/** The issue's list; q4_k/q5_k pure so that they differ from the q4_k_m/q5_k_m mixtures. */
export const DEFAULT_TYPES = [
  'q8_0',
  'q4_0',
  'q4_1',
  'q5_0',
  'q5_1',
  'q4_k:pure',
  'q5_k:pure',
  'q6_k',
  'q4_k_m',
  'q5_k_m',
  'f16',
];

interface TypeSpec {
  readonly label: string;
  readonly target: QuantTarget;
  readonly pure: boolean;
}

/** Parses `name[:pure]` (throws UsageError naming --types for an unknown name or suffix). */
export function parseTypeSpec(spec: string): TypeSpec {
  const [name, suffix, ...rest] = spec.trim().toLowerCase().split(':');
  if ((suffix !== undefined && suffix !== 'pure') || rest.length > 0 || name === undefined || name === '') {
    throw new UsageError(`--types: "${spec}" is not TYPE or TYPE:pure`, { field: 'types' });
  }
  let target: QuantTarget;
  try {
    target = parseQuantTarget(name);
  } catch (e) {
    throw new UsageError(`--types: ${(e as Error).message}`, { field: 'types', cause: e });
  }
  const pure = suffix === 'pure';
  return { label: pure ? `${target.name} (pure)` : target.name, target, pure };
}

function intFlag(
  flags: BenchOptions['flags'],
  key: string,
  def: number | undefined,
  min: number,
): number | undefined {
  const v = flags[key];
  if (v === undefined) return def;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < min || n > 1 << 20)
    throw new UsageError(`--${key} must be an integer in [${min}, ${1 << 20}]`, { field: key });
  return n;
}

function stringFlag(flags: BenchOptions['flags'], ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = flags[k];
    if (v === true) throw new UsageError(`--${k} needs a value`, { field: k });
    if (typeof v === 'string') return v;
  }
  return undefined;
}

interface SourceInfo {
  readonly type: GgmlType;
  readonly weights: number;
  readonly contextLength?: number;
}

/** The source's float type (by elements of its 2-D tensors), weight count and training context. */
function inspectSource(path: string): SourceInfo {
  const g = openQuantizeInput(path);
  try {
    const byType = new Map<GgmlType, number>();
    let weights = 0;
    for (const t of g.tensors) {
      weights += t.elements;
      if (t.shape.length >= 2) byType.set(t.type, (byType.get(t.type) ?? 0) + t.elements);
    }
    let type = GgmlType.F32;
    let best = -1;
    for (const [k, v] of byType) if (v > best) [type, best] = [k, v];
    if (type !== GgmlType.F32 && type !== GgmlType.F16 && type !== GgmlType.BF16) {
      throw new UsageError(
        `${path}: weights are ${typeName(type)}; quant-types needs an F32, F16 or BF16 model`,
        {
          field: 'm',
          file: path,
        },
      );
    }
    const arch = g.metadata.get('general.architecture')?.value;
    const ctx = typeof arch === 'string' ? g.metadata.get(`${arch}.context_length`)?.value : undefined;
    return { type, weights, contextLength: typeof ctx === 'number' ? ctx : undefined };
  } finally {
    g.close();
  }
}

/** The tensor types written in a GGUF file. */
function writtenTypes(path: string): { name: string; type: GgmlType }[] {
  const src = openFileSource(path);
  try {
    return readGguf(src).tensors.map((t) => ({ name: t.name, type: t.type }));
  } finally {
    src.close();
  }
}

/** Runs `node SCRIPT ARGS` as a child and returns its last stdout line parsed as JSON, or an error. */
function childJson(
  script: string,
  args: string[],
): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  const r = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  if (r.status === 0 && line.startsWith('{')) {
    try {
      return { ok: true, value: JSON.parse(line) as Record<string, unknown> };
    } catch {
      // fall through: report the output
    }
  }
  // The message, not the stack: the first line that is not a stack frame.
  const lines = (r.stderr ?? '').split('\n').filter((l) => l.trim() !== '' && !/^\s+at /.test(l));
  const why = lines.find((l) => /error|llmts:/i.test(l)) ?? lines[0] ?? `exit ${r.status}`;
  return { ok: false, error: why };
}

interface MeasureOpts {
  readonly text?: string;
  readonly ctx?: number;
  readonly speed?: { p: number; n: number; reps: number };
  readonly threads: number;
  /** eval's --backend (default: eval's own choice). */
  readonly backend?: string;
  /** --dequantized: measure every type's perplexity on its weights decoded to F32. */
  readonly dequantized?: boolean;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Perplexity (llmts eval) and speed (the model bench's child) of one file, each in its own process. */
function measure(file: string, row: TypeRow, o: MeasureOpts): void {
  const fail = (why: string): void => {
    row.error = row.error === undefined ? why : `${row.error}; ${why}`;
  };
  if (o.text !== undefined) {
    const args = ['eval', '-m', file, '--text', o.text, '--json', '--threads', String(o.threads)];
    if (o.ctx !== undefined) args.push('--ctx', String(o.ctx));
    if (o.backend !== undefined) args.push('--backend', o.backend);
    let r: ReturnType<typeof childJson>;
    if (o.dequantized === true && !row.source) {
      // --dequantized: the perplexity of the weights decoded to F32 (the weights' error alone).
      const deq = `${file.replace(/\.gguf$/, '')}-as-f32.gguf`;
      try {
        writeDequantized(file, deq);
        args[2] = deq;
        r = childJson(BIN, args);
        if (r.ok) row.pplVia = 'dequantized';
      } finally {
        rmSync(deq, { force: true });
      }
    } else {
      // Types without a WASM kernel (q4_1, q5_0, q5_1) run too: the loader widens them to F32.
      r = childJson(BIN, args);
    }
    if (r.ok) {
      row.ppl = num(r.value.perplexity);
      row.pplStderr = num(r.value.stderr);
    } else fail(`eval: ${r.error}`);
  }
  if (o.speed !== undefined) {
    const s = o.speed;
    // bench model's child: ENGINE MODEL P N REPS THREADS PEERS, one JSON line (its Measure).
    const r = childJson(MODEL_CHILD, ['llmts', file, ...[s.p, s.n, s.reps, o.threads].map(String), PEERS]);
    if (r.ok) {
      row.prefillTps = num(r.value.prefill_tps);
      row.decodeTps = num(r.value.decode_tps);
    } else fail(`speed: ${r.error}`);
  }
}

function jsonLine(row: TypeRow, ref: TypeRow, model: string, threads: number, o: MeasureOpts): BenchResult {
  const d = row.source ? undefined : pplDelta(row.ppl, ref.ppl);
  const [value, unit] =
    o.text !== undefined
      ? [row.ppl ?? Number.NaN, 'ppl']
      : o.speed !== undefined
        ? [row.decodeTps ?? Number.NaN, 'tok/s']
        : [row.bytes, 'bytes'];
  return {
    name: `quant-types.${row.type}`,
    shape: basename(model),
    threads,
    value,
    unit,
    source: row.source,
    bytes: row.bytes,
    bpw: row.bpw,
    ppl: row.ppl,
    ppl_stderr: row.pplStderr,
    ppl_via: row.pplVia,
    ppl_delta: d?.abs,
    ppl_delta_pct: d?.pct,
    ctx: o.ctx,
    prefill_tps: row.prefillTps,
    decode_tps: row.decodeTps,
    quantize_s: row.quantizeSeconds,
    fallbacks: row.groups,
    error: row.error,
  };
}

export const quantTypesBenchmark: Benchmark = {
  name: 'quant-types',
  description:
    'every quantization type of one F32/F16 model: size, fallbacks, perplexity (--text) vs the source, --speed tok/s',
  async run(o: BenchOptions): Promise<void> {
    const model = stringFlag(o.flags, 'm', 'model') ?? o.args[0];
    if (model === undefined)
      throw new UsageError('bench quant-types needs -m MODEL.gguf (F32, F16 or BF16)', { field: 'm' });
    if (model.includes(','))
      throw new UsageError('bench quant-types takes one model (-m given more than once?)', { field: 'm' });
    let isFile = false;
    try {
      isFile = statSync(model).isFile();
    } catch {
      // reported below
    }
    if (!isFile) throw new UsageError(`-m ${model}: not a readable GGUF file`, { field: 'm', file: model });
    const text = stringFlag(o.flags, 'text');
    if (text !== undefined && !existsSync(text))
      throw new UsageError(`--text ${text}: no such file`, { field: 'text', file: text });
    const ctx = intFlag(o.flags, 'ctx', undefined, 4);
    const threads = o.threads ?? availableParallelism();
    const specs = (stringFlag(o.flags, 'types')?.split(',') ?? DEFAULT_TYPES).filter((s) => s.trim() !== '');
    const parsed = [...new Map(specs.map(parseTypeSpec).map((t) => [t.label, t])).values()];
    if (!existsSync(BIN))
      throw new UsageError(`${BIN} is missing: run \`npm run build\` first`, { field: 'build' });

    const info = inspectSource(model);
    const srcName = typeName(info.type);
    // The source is the reference row: skip its own type and any up-cast of it.
    const floatRank = (t: GgmlType): number => (t === GgmlType.F32 ? 2 : typeTraits(t).quantized ? 0 : 1);
    const todo = parsed.filter(
      (s) =>
        !(
          s.target.type === info.type ||
          (!typeTraits(s.target.type).quantized && floatRank(s.target.type) > floatRank(info.type))
        ),
    );
    let speed: MeasureOpts['speed'];
    if (o.flags.speed === true) {
      const n = intFlag(o.flags, 'n', 128, 1)!;
      let p = intFlag(o.flags, 'p', 512, 1)!;
      // Stay inside the model's training context (the model bench allocates p + n + 8 positions).
      if (info.contextLength !== undefined && p + n + 8 > info.contextLength)
        p = Math.max(1, info.contextLength - n - 8);
      speed = { p, n, reps: intFlag(o.flags, 'reps', 3, 1)! };
      if (!existsSync(MODEL_CHILD))
        throw new UsageError(`${MODEL_CHILD} is missing: run \`npm run build\` first`, { field: 'build' });
    }
    const backend = stringFlag(o.flags, 'backend');
    const mo: MeasureOpts = { text, ctx, speed, threads, backend, dequantized: o.flags.dequantized === true };
    const log = (line: string): void => {
      process.stderr.write(`quant-types: ${line}\n`);
    };

    const dir = mkdtempSync(join(tmpdir(), 'llmts-quant-types-'));
    const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
    const onSignal = (): void => {
      cleanup();
      process.exit(130);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const rows: TypeRow[] = [];
    try {
      const bytes = statSync(model).size;
      const ref: TypeRow = {
        type: srcName,
        source: true,
        bytes,
        bpw: (bytes * 8) / info.weights,
        groups: [],
      };
      log(`${srcName} (source) ${basename(model)}`);
      measure(model, ref, mo);
      rows.push(ref);
      for (const s of todo) {
        const out = join(dir, `${s.target.name}${s.pure ? '-pure' : ''}.gguf`);
        const row: TypeRow = { type: s.label, source: false, bytes: 0, bpw: 0, groups: [] };
        rows.push(row);
        try {
          const t0 = performance.now();
          const res = quantizeFile(model, out, { type: s.target.name, pure: s.pure, force: true, threads });
          row.quantizeSeconds = (performance.now() - t0) / 1000;
          const size = statSync(out).size;
          Object.assign(row, { bytes: size, bpw: (size * 8) / info.weights });
          const { decisions, mismatches } = typeDecisions(s.target.type, writtenTypes(out), res.tensors);
          if (mismatches.length > 0) {
            row.error = `file differs from the plan: ${mismatches
              .slice(0, 3)
              .map((m) => `${m.name} planned ${m.planned ?? '-'} written ${m.written ?? '-'}`)
              .join('; ')}`;
          }
          row.groups = groupDecisions(decisions);
          log(`${s.label}: ${(size / 2 ** 20).toFixed(2)} MiB in ${row.quantizeSeconds.toFixed(1)} s`);
          for (const d of decisions) log(`  ${d.name}: ${d.type} (${d.kind}: ${d.note})`);
          measure(out, row, mo);
        } catch (e) {
          row.error = e instanceof Error ? e.message : String(e);
        } finally {
          rmSync(out, { force: true });
        }
        if (row.error !== undefined) log(`${s.label}: ${row.error}`);
        // Let a signal's handler run (and delete the folder) between types.
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (o.json) {
        for (const r of rows) console.log(JSON.stringify(jsonLine(r, ref, model, threads, mo)));
      } else {
        const ctxNote =
          text === undefined
            ? ''
            : `, perplexity of ${basename(text)}${ctx === undefined ? '' : ` at ctx ${ctx}`}`;
        const speedNote =
          speed === undefined ? '' : `, pp${speed.p} / tg${speed.n} (median of ${speed.reps})`;
        console.log(
          `${basename(model)}: ${info.weights} weights, ${threads} threads${ctxNote}${speedNote}\n`,
        );
        console.log(markdownTable(rows, { ppl: text !== undefined, speed: speed !== undefined }));
        const list = decisionList(rows);
        if (list !== '') console.log(`\nTensors not in the target type:\n${list}`);
      }
    } finally {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      cleanup();
    }
  },
};
