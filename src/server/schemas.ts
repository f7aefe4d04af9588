// Fastify (Ajv) JSON schemas of the request bodies. Types and ranges are checked here, before a
// handler runs; checks that need the model (vocabulary, context) are in params.ts. Unknown fields
// are ignored, as OpenAI clients send fields a server may not know.

export interface Limits {
  /** Most choices per request (`n`). */
  maxN: number;
  /** Most `stop` strings, and the longest one (characters). */
  maxStop: number;
  maxStopLength: number;
  /** Most `top_logprobs` (chat) / `logprobs` (completions). */
  maxTopLogprobs: number;
  /** Most `logit_bias` entries. */
  maxLogitBias: number;
  maxMessages: number;
  /** Most prompts in one completions request, and inputs in one embeddings request. */
  maxPrompts: number;
  maxEmbeddingInputs: number;
  /** Most tokens over all inputs of one embeddings request. */
  maxEmbeddingTokens: number;
  /** Request body size in bytes. */
  bodyLimit: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxN: 8,
  maxStop: 4,
  maxStopLength: 256,
  maxTopLogprobs: 20,
  maxLogitBias: 300,
  maxMessages: 1024,
  maxPrompts: 16,
  maxEmbeddingInputs: 64,
  maxEmbeddingTokens: 16_384,
  bodyLimit: 2_000_000,
};

type Schema = Record<string, unknown>;

const nullable = (s: Schema): Schema => ({ anyOf: [s, { type: 'null' }] });
const int = (minimum: number, maximum: number): Schema => nullable({ type: 'integer', minimum, maximum });
const num = (minimum: number, maximum: number): Schema => nullable({ type: 'number', minimum, maximum });
const MAX_INT32 = 2 ** 31 - 1;
const tokenArray: Schema = { type: 'array', items: { type: 'integer', minimum: 0, maximum: MAX_INT32 } };

/** Fields shared by chat and completions. */
function samplingProps(l: Limits): Schema {
  return {
    model: { type: 'string', minLength: 1, maxLength: 1024 },
    max_tokens: int(1, MAX_INT32),
    temperature: num(0, 2),
    top_p: nullable({ type: 'number', exclusiveMinimum: 0, maximum: 1 }),
    n: int(1, l.maxN),
    stop: nullable({
      anyOf: [
        { type: 'string', minLength: 1, maxLength: l.maxStopLength },
        {
          type: 'array',
          maxItems: l.maxStop,
          items: { type: 'string', minLength: 1, maxLength: l.maxStopLength },
        },
      ],
    }),
    seed: int(0, 0xffffffff),
    stream: nullable({ type: 'boolean' }),
    stream_options: nullable({
      type: 'object',
      properties: { include_usage: nullable({ type: 'boolean' }) },
    }),
    presence_penalty: num(-2, 2),
    frequency_penalty: num(-2, 2),
    logit_bias: nullable({
      type: 'object',
      maxProperties: l.maxLogitBias,
      propertyNames: { pattern: '^(0|[1-9][0-9]{0,8})$' },
      additionalProperties: { type: 'number', minimum: -100, maximum: 100 },
    }),
    user: nullable({ type: 'string', maxLength: 256 }),
    top_k: int(0, 1 << 20),
    min_p: num(0, 1),
    repeat_penalty: nullable({ type: 'number', exclusiveMinimum: 0, maximum: 10 }),
  };
}

const responseFormat: Schema = nullable({
  type: 'object',
  required: ['type'],
  properties: {
    type: { type: 'string', enum: ['text', 'json_object', 'json_schema'] },
    json_schema: {
      type: 'object',
      properties: {
        name: { type: 'string', maxLength: 256 },
        schema: { anyOf: [{ type: 'object' }, { type: 'boolean' }] },
        strict: nullable({ type: 'boolean' }),
      },
    },
  },
});

export function chatSchema(l: Limits): Schema {
  const contentPart: Schema = {
    type: 'object',
    required: ['type'],
    properties: { type: { type: 'string', enum: ['text'] }, text: { type: 'string' } },
  };
  return {
    type: 'object',
    required: ['model', 'messages'],
    properties: {
      ...samplingProps(l),
      messages: {
        type: 'array',
        minItems: 1,
        maxItems: l.maxMessages,
        items: {
          type: 'object',
          required: ['role'],
          properties: {
            role: { type: 'string', enum: ['system', 'developer', 'user', 'assistant', 'tool'] },
            content: {
              anyOf: [
                { type: 'string' },
                { type: 'null' },
                { type: 'array', maxItems: 256, items: contentPart },
              ],
            },
            name: { type: 'string', maxLength: 256 },
          },
        },
      },
      max_completion_tokens: int(1, MAX_INT32),
      tools: nullable({ type: 'array', maxItems: 0 }),
      logprobs: nullable({ type: 'boolean' }),
      top_logprobs: int(0, l.maxTopLogprobs),
      response_format: responseFormat,
    },
  };
}

export function completionSchema(l: Limits): Schema {
  return {
    type: 'object',
    required: ['model', 'prompt'],
    properties: {
      ...samplingProps(l),
      prompt: {
        anyOf: [
          { type: 'string' },
          { type: 'array', minItems: 1, maxItems: l.maxPrompts, items: { type: 'string' } },
          { ...tokenArray, minItems: 1 },
          { type: 'array', minItems: 1, maxItems: l.maxPrompts, items: { ...tokenArray, minItems: 1 } },
        ],
      },
      logprobs: int(0, l.maxTopLogprobs),
      echo: nullable({ type: 'boolean' }),
      suffix: nullable({ type: 'string' }),
      best_of: int(1, l.maxN),
      response_format: responseFormat,
    },
  };
}

export function embeddingSchema(l: Limits): Schema {
  return {
    type: 'object',
    required: ['model', 'input'],
    properties: {
      model: { type: 'string', minLength: 1, maxLength: 1024 },
      input: {
        anyOf: [
          { type: 'string', minLength: 1 },
          {
            type: 'array',
            minItems: 1,
            maxItems: l.maxEmbeddingInputs,
            items: { type: 'string', minLength: 1 },
          },
          { ...tokenArray, minItems: 1 },
          {
            type: 'array',
            minItems: 1,
            maxItems: l.maxEmbeddingInputs,
            items: { ...tokenArray, minItems: 1 },
          },
        ],
      },
      encoding_format: nullable({ type: 'string', enum: ['float', 'base64'] }),
      dimensions: int(1, 1 << 20),
      user: nullable({ type: 'string', maxLength: 256 }),
    },
  };
}

export const tokenizeSchema: Schema = {
  type: 'object',
  required: ['content'],
  properties: {
    model: { type: 'string', maxLength: 1024 },
    content: { type: 'string' },
    add_special: { type: 'boolean' },
    with_pieces: { type: 'boolean' },
  },
};

export const detokenizeSchema: Schema = {
  type: 'object',
  required: ['tokens'],
  properties: {
    model: { type: 'string', maxLength: 1024 },
    tokens: tokenArray,
  },
};
