// Loading a model in a web page: from bytes the page already has (a File, an IndexedDB blob), or
// fetched from a URL. Never touches a file system: the loader opens the bytes as a MemorySource.
import type { Backend } from '../backend/backend.js';
import { CapacityError, FormatError, UsageError } from '../errors.js';
import type { CausalLM } from '../models/causal-lm.js';
import { loadModel } from '../models/loader.js';
import type { Tokenizer } from '../tokenizers/tokenizer.js';

/** Largest model fetched by default: a wasm32/ArrayBuffer-friendly 2 GiB. */
export const DEFAULT_MAX_MODEL_BYTES = 2 * 1024 ** 3;

export interface BrowserLoadOptions {
  backend: Backend;
  /** The tokenizer to attach, or null for none; default: built from the GGUF metadata. */
  tokenizer?: Tokenizer | null;
}

export interface FetchModelOptions extends BrowserLoadOptions {
  /** Refuse responses larger than this (default DEFAULT_MAX_MODEL_BYTES). */
  maxBytes?: number;
  /** Passed to fetch (cancel a download). */
  signal?: AbortSignal;
  /** Called as bytes arrive: (received, total or undefined when the server sent no length). */
  onProgress?: (received: number, total: number | undefined) => void;
}

/** Loads a GGUF or llama2.c model from bytes (no file system; safetensors needs its directory). */
export function loadModelFromBytes(bytes: Uint8Array, opts: BrowserLoadOptions): Promise<CausalLM> {
  if (!(bytes instanceof Uint8Array)) throw new UsageError('loadModelFromBytes: bytes must be a Uint8Array');
  return loadModel(bytes, { backend: opts.backend, tokenizer: opts.tokenizer });
}

/** Downloads `url` (with a size cap) and loads it with loadModelFromBytes. */
export async function fetchModel(url: string, opts: FetchModelOptions): Promise<CausalLM> {
  const bytes = await fetchBytes(url, opts);
  return loadModelFromBytes(bytes, opts);
}

/** A typed error for a failed request, or the AbortError itself when the caller cancelled. */
function networkError(
  Ctor: typeof UsageError | typeof FormatError,
  url: string,
  what: string,
  e: unknown,
  signal: AbortSignal | undefined,
): unknown {
  if (signal?.aborted === true) return e;
  return new Ctor(`${url}: ${what}: ${e instanceof Error ? e.message : String(e)}`, { file: url, cause: e });
}

/** Fetches a whole response body into one Uint8Array, refusing more than `maxBytes`. */
export async function fetchBytes(
  url: string,
  opts: Pick<FetchModelOptions, 'maxBytes' | 'signal' | 'onProgress'> = {},
): Promise<Uint8Array> {
  const max = opts.maxBytes ?? DEFAULT_MAX_MODEL_BYTES;
  if (!Number.isSafeInteger(max) || max < 0)
    throw new UsageError(`maxBytes must be a non-negative integer, got ${max}`, { field: 'maxBytes' });
  let res: Response;
  try {
    res = await fetch(url, { signal: opts.signal });
  } catch (e) {
    throw networkError(UsageError, url, 'fetch failed', e, opts.signal);
  }
  if (!res.ok) throw new UsageError(`${url}: HTTP ${res.status} ${res.statusText}`, { file: url });
  // Content-Length counts encoded bytes; with a Content-Encoding the body is longer.
  const header = res.headers.get('content-length');
  const encoding = res.headers.get('content-encoding');
  const plain = encoding === null || encoding === 'identity';
  const total = plain && header !== null && /^\d{1,16}$/.test(header) ? Number(header) : undefined;
  const tooBig = (n: number) =>
    new CapacityError(`${url}: ${n} bytes is over the ${max}-byte limit (maxBytes)`, {
      file: url,
      field: 'maxBytes',
    });
  if (total !== undefined && total > max) {
    await res.body?.cancel();
    throw tooBig(total);
  }
  if (res.body === null) return new Uint8Array(0);
  const reader = res.body.getReader();
  // Known length: one buffer of that size. Unknown: chunks, joined once at the end.
  const out = total !== undefined ? new Uint8Array(total) : undefined;
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch (e) {
      throw networkError(FormatError, url, `download failed after ${received} bytes`, e, opts.signal);
    }
    const { done, value } = chunk;
    if (done) break;
    if (received + value.length > (total ?? max)) {
      await reader.cancel();
      if (total !== undefined && received + value.length <= max)
        throw new FormatError(`${url}: the body is longer than its Content-Length (${total})`, { file: url });
      throw tooBig(received + value.length);
    }
    if (out !== undefined) out.set(value, received);
    else chunks.push(value);
    received += value.length;
    opts.onProgress?.(received, total);
  }
  if (out !== undefined) {
    if (received !== total)
      throw new FormatError(`${url}: got ${received} of ${total} bytes (truncated download)`, { file: url });
    return out;
  }
  const joined = new Uint8Array(received);
  let off = 0;
  for (const c of chunks) {
    joined.set(c, off);
    off += c.length;
  }
  return joined;
}
