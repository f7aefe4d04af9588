// Errors in OpenAI's shape: {"error": {"message", "type", "param", "code"}}. Every client mistake
// maps to a 4xx (OpenAI SDKs retry 5xx); a 500 carries a generic message and a request id only.
import { LlmtsError } from '../errors.js';

export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'rate_limit_error'
  | 'server_error'
  | 'service_unavailable_error'
  | 'timeout_error';

export interface OpenAiErrorBody {
  error: { message: string; type: ErrorType; param: string | null; code: string | null };
}

/** An error that becomes an HTTP response with this status and OpenAI-style body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: ErrorType,
    readonly code: string | null,
    readonly param: string | null = null,
    /** Seconds for the Retry-After header (429 / 503). */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  body(): OpenAiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const badRequest = (message: string, param: string | null = null, code = 'invalid_value'): ApiError =>
  new ApiError(400, message, 'invalid_request_error', code, param);

export const modelNotFound = (model: string): ApiError =>
  new ApiError(
    404,
    `The model '${model.length > 200 ? `${model.slice(0, 200)}…` : model}' does not exist`,
    'invalid_request_error',
    'model_not_found',
    'model',
  );

export const contextExceeded = (requested: number, ctx: number, param = 'messages'): ApiError =>
  new ApiError(
    400,
    `request (${requested} tokens) exceeds the available context size (${ctx} tokens)`,
    'invalid_request_error',
    'context_length_exceeded',
    param,
  );

/** Maps a camelCase library field name to the request's snake_case parameter. */
const FIELD_TO_PARAM: Readonly<Record<string, string>> = {
  temperature: 'temperature',
  topK: 'top_k',
  topP: 'top_p',
  minP: 'min_p',
  repeatPenalty: 'repeat_penalty',
  presencePenalty: 'presence_penalty',
  frequencyPenalty: 'frequency_penalty',
  seed: 'seed',
  prompt: 'prompt',
  tokens: 'prompt',
  contextLength: 'max_tokens',
  chat_template: 'messages',
};

/**
 * Converts anything thrown while handling a request into an ApiError. Library errors caused by the
 * request's content (UsageError, FormatError from a JSON schema...) are 400s; anything else is a 500
 * with a generic message (the details go to the log only).
 */
export function toApiError(err: unknown, requestId: string): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof LlmtsError && err.code !== 'capacity') {
    const param = err.field === undefined ? null : (FIELD_TO_PARAM[err.field] ?? err.field);
    return new ApiError(400, err.message, 'invalid_request_error', 'invalid_value', param);
  }
  if (err instanceof LlmtsError) {
    return new ApiError(
      400,
      err.message,
      'invalid_request_error',
      'context_length_exceeded',
      err.field ?? null,
    );
  }
  return new ApiError(500, `internal error (request ${requestId})`, 'server_error', 'internal_error');
}
