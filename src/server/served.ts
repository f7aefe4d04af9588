// The models a server offers: each loaded model with its id, aliases, context size, chat
// template and scheduler. Lookup is by exact id or alias only; the `model` field never reaches
// the file system.
import type { CausalLM } from '../models/causal-lm.js';
import type { ChatTemplate } from '../tokenizers/chat-template.js';
import { Scheduler, type SchedulerOptions } from './engine/scheduler.js';
import { ApiError, badRequest, modelNotFound } from './errors.js';
import type { ModelMetrics } from './metrics.js';
import { templateFor } from './prompt.js';

export interface ModelSpec {
  /** The id clients pass as `model`. */
  id: string;
  aliases?: readonly string[];
  model: CausalLM;
  /** KV-cache size per slot (default: the model's context length). */
  contextLength?: number;
  /** A chat template name (chatml, llama2, plain) or Jinja source overriding the model's. */
  chatTemplate?: string;
  /** KV-cache storage of each slot: 'f32' (default) or 'q8_0'. */
  cacheType?: 'f32' | 'q8_0';
}

export class ServedModel {
  readonly id: string;
  readonly aliases: readonly string[];
  readonly model: CausalLM;
  readonly contextLength: number;
  readonly created = Math.floor(Date.now() / 1000);
  readonly scheduler: Scheduler;
  private templateCache: ChatTemplate | undefined;
  private readonly chatTemplateSource: string | undefined;

  constructor(
    spec: ModelSpec,
    sched: Omit<SchedulerOptions, 'contextLength'>,
    readonly metrics: ModelMetrics,
  ) {
    this.id = spec.id;
    this.aliases = spec.aliases ?? [];
    this.model = spec.model;
    this.contextLength = Math.min(spec.contextLength ?? spec.model.info.contextLength, 1 << 22);
    this.scheduler = new Scheduler(
      spec.model,
      { ...sched, contextLength: this.contextLength, cacheType: spec.cacheType },
      metrics,
    );
    this.chatTemplateSource = spec.chatTemplate;
  }

  /** The chat template (built once); a 400 when the model has no tokenizer. */
  template(): ChatTemplate {
    const tok = this.model.tokenizer;
    if (tok === undefined)
      throw badRequest(`model ${this.id} has no tokenizer: use /v1/completions with token ids`, 'model');
    this.templateCache ??= templateFor(tok, this.chatTemplateSource);
    return this.templateCache;
  }
}

export class ModelRegistry {
  private readonly byName = new Map<string, ServedModel>();
  readonly list: ServedModel[] = [];
  ready = false;

  add(m: ServedModel): void {
    for (const name of [m.id, ...m.aliases]) {
      if (this.byName.has(name))
        throw new Error(`two models are named ${name}: give them distinct --model-alias`);
      this.byName.set(name, m);
    }
    this.list.push(m);
  }

  /** The model named by a request (503 while loading, 404 when unknown). */
  get(name: unknown): ServedModel {
    if (!this.ready)
      throw new ApiError(503, 'Loading model', 'service_unavailable_error', 'model_loading', null, 2);
    const m = typeof name === 'string' ? this.byName.get(name) : undefined;
    if (m === undefined) throw modelNotFound(typeof name === 'string' ? name : String(name));
    return m;
  }

  /** For /tokenize: the named model, or the only one when none is named. */
  getOrOnly(name: unknown): ServedModel {
    if (name === undefined && this.ready && this.list.length === 1) return this.list[0]!;
    return this.get(name);
  }
}
