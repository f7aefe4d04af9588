// Request fields → generation parameters, with the checks that need the model: logit_bias ids
// inside the vocabulary, prompt + max_tokens within the context, JSON schemas that compile.
import { compileJsonSchema, type JsonSchema } from '../generate/grammar/index.js';
import type { SamplingOptions } from '../generate/samplers/chain.js';
import type { JobParams } from './engine/job.js';
import { badRequest, contextExceeded } from './errors.js';
import type { ServedModel } from './served.js';

/** The sampling-related fields chat and completions share (already type-checked by the schema). */
export interface SamplingBody {
  model: string;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  n?: number | null;
  stop?: string | string[] | null;
  seed?: number | null;
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean | null } | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  logit_bias?: Record<string, number> | null;
  top_k?: number | null;
  min_p?: number | null;
  repeat_penalty?: number | null;
  response_format?: { type: string; json_schema?: { name?: string; schema?: unknown } } | null;
}

const opt = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);

function sampling(m: ServedModel, b: SamplingBody): SamplingOptions {
  const s: SamplingOptions = {};
  const set = <K extends keyof SamplingOptions>(k: K, v: SamplingOptions[K] | null | undefined) => {
    if (v !== null && v !== undefined) s[k] = v;
  };
  set('temperature', b.temperature);
  set('topP', b.top_p);
  set('topK', b.top_k);
  set('minP', b.min_p);
  set('repeatPenalty', b.repeat_penalty);
  set('presencePenalty', b.presence_penalty);
  set('frequencyPenalty', b.frequency_penalty);
  if (b.logit_bias) {
    const v = m.model.info.vocabSize;
    const bias = new Map<number, number>();
    for (const [k, x] of Object.entries(b.logit_bias)) {
      const id = Number(k);
      if (id >= v)
        throw badRequest(`logit_bias: token ${k} is outside the vocabulary (0..${v - 1})`, 'logit_bias');
      bias.set(id, x);
    }
    s.logitBias = bias;
  }
  return s;
}

function jsonFormat(m: ServedModel, b: SamplingBody): true | JsonSchema | undefined {
  const rf = b.response_format;
  if (!rf || rf.type === 'text') return undefined;
  if (m.model.tokenizer === undefined)
    throw badRequest('response_format needs a model with a tokenizer', 'response_format');
  if (rf.type === 'json_object') return true;
  const schema = rf.json_schema?.schema;
  if (schema === undefined)
    throw badRequest('response_format.json_schema.schema is required', 'response_format.json_schema');
  try {
    compileJsonSchema(schema as JsonSchema);
  } catch (e) {
    throw badRequest(
      `response_format.json_schema.schema: ${e instanceof Error ? e.message : String(e)}`,
      'response_format.json_schema.schema',
    );
  }
  return schema as JsonSchema;
}

export interface ChoiceOptions {
  logprobs: boolean;
  topLogprobs: number;
  /** The request field the prompt came from, for context errors. */
  promptParam: string;
}

/** Parameters of the n choices for one prompt (choice i uses seed + i when a seed is given). */
export function choiceParams(
  m: ServedModel,
  b: SamplingBody,
  promptIds: number[],
  o: ChoiceOptions,
): JobParams[] {
  const ctx = m.contextLength;
  const requested = opt(b.max_completion_tokens) ?? opt(b.max_tokens);
  if (promptIds.length >= ctx) throw contextExceeded(promptIds.length, ctx, o.promptParam);
  if (requested !== undefined && promptIds.length + requested > ctx)
    throw contextExceeded(
      promptIds.length + requested,
      ctx,
      b.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens',
    );
  const base = sampling(m, b);
  const json = jsonFormat(m, b);
  const stop = b.stop == null ? [] : typeof b.stop === 'string' ? [b.stop] : b.stop;
  const n = opt(b.n) ?? 1;
  const out: JobParams[] = [];
  for (let i = 0; i < n; i++) {
    const samp = { ...base };
    if (b.seed != null) samp.seed = (b.seed + i) >>> 0;
    const p: JobParams = {
      promptIds,
      maxTokens: requested ?? ctx - promptIds.length,
      sampling: samp,
      stop,
      logprobs: o.logprobs,
      topLogprobs: o.topLogprobs,
    };
    if (json !== undefined) p.json = json;
    out.push(p);
  }
  return out;
}
