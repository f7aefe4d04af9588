// Typed errors. Every failure caused by outside input (files, JSON, HTTP, CLI flags) is one of
// these, with a stable `code` and, where it applies, the field and the file it concerns.

export interface ErrorDetails {
  /** The field, key, tensor or flag the error is about, e.g. `general.alignment`. */
  field?: string;
  /** The file the error is about. */
  file?: string;
  /** Byte offset in the file, when known. */
  offset?: number;
  cause?: unknown;
}

export class LlmtsError extends Error {
  readonly code: string;
  readonly field: string | undefined;
  readonly file: string | undefined;
  readonly offset: number | undefined;

  constructor(code: string, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = code;
    this.field = details.field;
    this.file = details.file;
    this.offset = details.offset;
  }
}

/** A malformed or unsupported file: GGUF, safetensors, tokenizer.json, config.json, checkpoints. */
export class FormatError extends LlmtsError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('format', message, details);
  }
}

/** Shapes or dtypes that do not fit an operation. The message names the op and both shapes. */
export class ShapeError extends LlmtsError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('shape', message, details);
  }
}

/** A request for more memory than the runtime can give (e.g. wasm32's 4 GiB cap). */
export class CapacityError extends LlmtsError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('capacity', message, details);
  }
}

/** A model or training configuration that is invalid (missing, zero, negative or absurd values). */
export class ConfigError extends LlmtsError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('config', message, details);
  }
}

/** A user mistake on the command line or in an API call (bad flag, bad value). */
export class UsageError extends LlmtsError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('usage', message, details);
  }
}

/** A feature that exists in the format but is not implemented here. */
export class UnsupportedError extends LlmtsError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('unsupported', message, details);
  }
}
