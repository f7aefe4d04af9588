// What every route handler shares.
import type { ServerMetrics } from '../metrics.js';
import type { Limits } from '../schemas.js';
import type { ModelRegistry } from '../served.js';

export interface ServerContext {
  readonly models: ModelRegistry;
  readonly metrics: ServerMetrics;
  readonly limits: Limits;
  /** Throws a 503 while the server drains for shutdown. */
  checkAccepting(): void;
}
