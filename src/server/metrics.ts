// Prometheus text exposition of the server's counters, gauges and histograms (no dependency: the
// format is a few lines of text). Names follow Prometheus conventions with an `llmts_` prefix.

const TTFT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const TPOT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

export class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(readonly buckets: readonly number[]) {
    this.counts = new Array<number>(buckets.length).fill(0);
  }

  observe(v: number): void {
    if (!Number.isFinite(v)) return;
    this.sum += v;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]!) this.counts[i]!++;
  }

  /** The sample lines (the family's HELP/TYPE header is written once by the caller). */
  lines(name: string, labels: string): string {
    const l = labels === '' ? '' : `${labels},`;
    const lines: string[] = [];
    this.buckets.forEach((b, i) => {
      lines.push(`${name}_bucket{${l}le="${b}"} ${this.counts[i]}`);
    });
    lines.push(`${name}_bucket{${l}le="+Inf"} ${this.count}`);
    const suffix = labels === '' ? '' : `{${labels}}`;
    lines.push(`${name}_sum${suffix} ${this.sum}`, `${name}_count${suffix} ${this.count}`);
    return lines.join('\n');
  }
}

/** Per-model generation counters (updated by its scheduler). */
export class ModelMetrics {
  promptTokens = 0;
  generatedTokens = 0;
  decodeSteps = 0;
  /** Forward steps that ran more than one sequence together. */
  batchedSteps = 0;
  /** Sequences that ended because their client went away or asked to stop. */
  aborted = 0;
  queueDepth = 0;
  active = 0;
  readonly ttft = new Histogram(TTFT_BUCKETS);
  readonly tpot = new Histogram(TPOT_BUCKETS);
}

export class ServerMetrics {
  /** HTTP responses by status code. */
  readonly requests = new Map<number, number>();
  readonly models = new Map<string, ModelMetrics>();

  countResponse(status: number): void {
    this.requests.set(status, (this.requests.get(status) ?? 0) + 1);
  }

  forModel(id: string): ModelMetrics {
    let m = this.models.get(id);
    if (m === undefined) {
      m = new ModelMetrics();
      this.models.set(id, m);
    }
    return m;
  }

  render(): string {
    const out: string[] = [];
    out.push(
      '# HELP llmts_requests_total HTTP responses by status code.',
      '# TYPE llmts_requests_total counter',
    );
    for (const [status, n] of [...this.requests].sort((a, b) => a[0] - b[0]))
      out.push(`llmts_requests_total{status="${status}"} ${n}`);
    const simple: [keyof ModelMetrics, string, string, string][] = [
      ['promptTokens', 'llmts_prompt_tokens_total', 'counter', 'Prompt tokens processed.'],
      ['generatedTokens', 'llmts_generated_tokens_total', 'counter', 'Tokens generated.'],
      ['decodeSteps', 'llmts_decode_steps_total', 'counter', 'Batched forward steps run.'],
      [
        'batchedSteps',
        'llmts_batched_decode_steps_total',
        'counter',
        'Forward steps with more than one sequence.',
      ],
      [
        'aborted',
        'llmts_sequences_aborted_total',
        'counter',
        'Sequences cancelled by client disconnect or stop.',
      ],
      ['queueDepth', 'llmts_queue_depth', 'gauge', 'Sequences waiting for a slot.'],
      ['active', 'llmts_active_sequences', 'gauge', 'Sequences holding a slot.'],
    ];
    for (const [key, name, type, help] of simple) {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [id, m] of this.models) out.push(`${name}{model="${escapeLabel(id)}"} ${m[key] as number}`);
    }
    const hists: ['ttft' | 'tpot', string, string][] = [
      ['ttft', 'llmts_time_to_first_token_seconds', 'Time from request to first token.'],
      [
        'tpot',
        'llmts_time_per_output_token_seconds',
        'Mean time per output token after the first, per request.',
      ],
    ];
    for (const [key, name, help] of hists) {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
      for (const [id, m] of this.models) out.push(m[key].lines(name, `model="${escapeLabel(id)}"`));
    }
    return `${out.join('\n')}\n`;
  }
}

function escapeLabel(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
