// The HTTP server: Fastify with JSON-schema validation, OpenAI-shaped errors, API keys, limits,
// the routes, and a drain-then-close shutdown.
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { checkHost, isLoopback, KeyChecker } from './auth.js';
import { ApiError, toApiError } from './errors.js';
import { ServerMetrics } from './metrics.js';
import { registerChat } from './routes/chat.js';
import { registerCompletions } from './routes/completions.js';
import type { ServerContext } from './routes/context.js';
import { registerEmbeddings } from './routes/embeddings.js';
import { registerMisc } from './routes/misc.js';
import { DEFAULT_LIMITS, type Limits } from './schemas.js';
import { ModelRegistry, type ModelSpec, ServedModel } from './served.js';

export interface ServerOptions {
  /** Accepted API keys; none → no authentication. */
  apiKeys?: readonly string[];
  /** The address the server binds; on loopback, Host headers must name a loopback host. */
  host?: string;
  limits?: Partial<Limits>;
  /** Sequences generating at once per model (default 4). */
  parallel?: number;
  /** Sequences waiting per model beyond `parallel` (default 32); more → 429. */
  queue?: number;
  /** Prompt tokens per sequence per step (default 128). */
  prefillChunk?: number;
  /** Pause after each decode step (tests/demos). */
  stepDelayMs?: number;
  /** Generation time limit per request; past it a sequence ends with finish reason 'length'. */
  maxRequestMs?: number;
  /** Time allowed to receive a whole request, and its headers (slow clients). */
  requestTimeoutMs?: number;
  headersTimeoutMs?: number;
  /** Fastify's pino logger (default off). */
  logger?: boolean;
}

/** Converts a Fastify/Ajv error into the OpenAI shape. */
function fromFastify(
  err: FastifyError & {
    validation?: { instancePath: string; message?: string; params?: Record<string, unknown> }[];
  },
  reqId: string,
): ApiError {
  if (err instanceof ApiError) return err;
  if (err.validation && err.validation.length > 0) {
    const v = err.validation[0]!;
    let path = v.instancePath
      .split('/')
      .slice(1)
      .map((s) => (/^\d+$/.test(s) ? `[${s}]` : `.${s}`))
      .join('')
      .replace(/^\./, '');
    const missing = v.params?.missingProperty;
    if (typeof missing === 'string') path = path === '' ? missing : `${path}.${missing}`;
    return new ApiError(
      400,
      `${path || 'body'} ${v.message ?? 'is invalid'}`,
      'invalid_request_error',
      'invalid_value',
      path || null,
    );
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(413, 'request body is too large', 'invalid_request_error', 'request_too_large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(
        415,
        'Content-Type must be application/json',
        'invalid_request_error',
        'unsupported_media_type',
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError(400, 'the request body is empty', 'invalid_request_error', 'invalid_json');
  }
  const status = err.statusCode ?? 500;
  if (err instanceof SyntaxError || (status === 400 && err.code?.startsWith('FST_ERR_CTP')))
    return new ApiError(
      400,
      `the request body is not valid JSON: ${err.message}`,
      'invalid_request_error',
      'invalid_json',
    );
  if (status >= 400 && status < 500)
    return new ApiError(status, err.message, 'invalid_request_error', err.code ?? 'invalid_request');
  return toApiError(err, reqId);
}

export class LlmServer {
  readonly app: FastifyInstance;
  readonly models = new ModelRegistry();
  readonly metrics = new ServerMetrics();
  readonly limits: Limits;
  private draining = false;

  constructor(readonly opts: ServerOptions = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    const requestTimeout = opts.requestTimeoutMs ?? 30_000;
    const headersTimeout = Math.min(opts.headersTimeoutMs ?? 10_000, requestTimeout);
    const app = Fastify({
      // Slow clients: headers and whole requests have deadlines, checked often enough to matter.
      http: {
        headersTimeout,
        requestTimeout,
        connectionsCheckingInterval: Math.max(100, Math.min(1000, headersTimeout / 2)),
      },
      logger: opts.logger ?? false,
      bodyLimit: this.limits.bodyLimit,
      requestTimeout,
      routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, caseSensitive: false },
      ajv: {
        customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false },
      },
      return503OnClosing: true,
      forceCloseConnections: 'idle',
    });
    this.app = app;
    app.removeContentTypeParser('text/plain');

    const keys = new KeyChecker(opts.apiKeys ?? []);
    const loopback = isLoopback(opts.host ?? '127.0.0.1');
    app.addHook('onRequest', async (req: FastifyRequest) => {
      if (loopback) checkHost(req);
      keys.check(req);
    });
    app.addHook('onResponse', async (_req, reply: FastifyReply) => {
      this.metrics.countResponse(reply.statusCode);
    });
    app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
      const api = fromFastify(err, req.id);
      if (api.status >= 500 && !(err instanceof ApiError)) req.log.error({ err }, 'internal error');
      if (api.retryAfter !== undefined) reply.header('Retry-After', String(api.retryAfter));
      if (api.status === 429 || api.status === 503) reply.header('x-should-retry', 'true');
      reply.status(api.status).send(api.body());
    });
    app.setNotFoundHandler((req: FastifyRequest, reply: FastifyReply) => {
      const api = new ApiError(
        404,
        `no route ${req.method} ${req.url.slice(0, 200)}`,
        'invalid_request_error',
        'not_found',
      );
      reply.status(404).send(api.body());
    });

    const ctx: ServerContext = {
      models: this.models,
      metrics: this.metrics,
      limits: this.limits,
      checkAccepting: () => {
        if (this.draining)
          throw new ApiError(
            503,
            'the server is shutting down',
            'service_unavailable_error',
            'shutting_down',
            null,
            5,
          );
      },
    };
    registerMisc(app, ctx);
    registerChat(app, ctx);
    registerCompletions(app, ctx);
    registerEmbeddings(app, ctx);
  }

  /** Adds a loaded model (its scheduler starts idle). */
  addModel(spec: ModelSpec): ServedModel {
    const o = this.opts;
    const m = new ServedModel(
      spec,
      {
        parallel: o.parallel ?? 4,
        queue: o.queue ?? 32,
        prefillChunk: o.prefillChunk,
        stepDelayMs: o.stepDelayMs,
        maxRequestMs: o.maxRequestMs,
      },
      this.metrics.forModel(spec.id),
    );
    this.models.add(m);
    return m;
  }

  /** Marks loading done: /health turns 200 and inference routes open. */
  setReady(): void {
    this.models.ready = true;
  }

  /** Starts listening; returns the base URL. */
  async listen(port = 8080, host = this.opts.host ?? '127.0.0.1'): Promise<string> {
    await this.app.listen({ port, host });
    const addr = this.app.server.address();
    const p = typeof addr === 'object' && addr !== null ? addr.port : port;
    return `http://${host.includes(':') ? `[${host}]` : host}:${p}`;
  }

  /**
   * Graceful shutdown: refuse new work (503), let running generations finish for up to `graceMs`,
   * then cancel what is left and close. Resolves when the server is closed.
   */
  async close(graceMs = 10_000): Promise<void> {
    this.draining = true;
    const idle = Promise.all(this.models.list.map((m) => m.scheduler.idle()));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((r) => {
      timer = setTimeout(r, graceMs);
    });
    const closing = this.app.close();
    await Promise.race([idle, timeout]);
    clearTimeout(timer);
    for (const m of this.models.list) m.scheduler.dispose();
    await closing;
  }
}
