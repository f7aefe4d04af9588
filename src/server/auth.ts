// API keys and the Host allowlist, checked in an onRequest hook. Whether a route is public comes
// from the route the router matched (its `config.public`), never from the path string, so no path
// spelling (case, double slashes, %-encoding, trailing slash) reaches a protected route without a
// key; unmatched paths need the key too. Keys are compared in constant time (SHA-256 digests
// compared with timingSafeEqual).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export class KeyChecker {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.filter((k) => k.length > 0).map(digest);
  }

  get enabled(): boolean {
    return this.digests.length > 0;
  }

  /** True when `key` equals one of the keys (every key is compared, in constant time). */
  matches(key: string): boolean {
    const d = digest(key);
    let ok = false;
    for (const k of this.digests) ok = timingSafeEqual(k, d) || ok;
    return ok;
  }

  /** The key a request presents: `Authorization: Bearer KEY` or `X-Api-Key: KEY`. */
  static presented(req: FastifyRequest): string | undefined {
    const auth = req.headers.authorization;
    if (typeof auth === 'string') {
      const m = /^Bearer ([^\s]+)$/i.exec(auth);
      return m ? m[1] : undefined;
    }
    const x = req.headers['x-api-key'];
    return typeof x === 'string' && x.length > 0 ? x : undefined;
  }

  /** Throws a 401 unless the request is public or carries a valid key. */
  check(req: FastifyRequest): void {
    if (!this.enabled) return;
    const cfg = req.routeOptions.config as { public?: boolean } | undefined;
    if (cfg?.public === true && req.routeOptions.url !== undefined) return;
    const key = KeyChecker.presented(req);
    if (key === undefined)
      throw new ApiError(
        401,
        'missing API key: send Authorization: Bearer KEY',
        'authentication_error',
        'missing_api_key',
      );
    if (!this.matches(key))
      throw new ApiError(401, 'Incorrect API key provided', 'authentication_error', 'invalid_api_key');
  }
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export function isLoopback(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || host.startsWith('127.');
}

/** On a loopback-bound server, a Host header naming another host (DNS rebinding) gets a 403. */
export function checkHost(req: FastifyRequest): void {
  const h = req.headers.host;
  if (h === undefined) return;
  const name = h.startsWith('[') ? h.slice(0, h.indexOf(']') + 1) : h.split(':')[0]!;
  if (!isLoopback(name.toLowerCase()))
    throw new ApiError(
      403,
      `host ${JSON.stringify(h.slice(0, 100))} is not allowed`,
      'permission_error',
      'host_not_allowed',
    );
}
