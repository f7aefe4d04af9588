// Helpers for the server tests: a running server on a random loopback port, the real stories260K
// model, a scripted model that emits a fixed byte sequence (to test streaming byte by byte), and
// raw HTTP over a socket (for requests fetch refuses to send).
import { connect } from 'node:net';
import type { Backend } from '../backend/backend.js';
import { JsBackend } from '../backend/js/index.js';
import { UnsupportedError } from '../errors.js';
import { FakeTokenizer } from '../generate/testing/fakes.js';
import type { CausalLM, LogitsMode, ModelInfo, Session, SessionOptions } from '../models/causal-lm.js';
import { loadModel } from '../models/loader.js';
import { sharedPath } from '../testing/shared.js';
import { LlmServer, type ServerOptions } from './app.js';
import type { ModelSpec } from './served.js';

export const STORIES_PARTS = ['golden', 'models', 'stories260K.gguf'] as const;

let stories: Promise<CausalLM> | undefined;

/** The real stories260K model on the JS backend (loaded once per process). */
export function loadStories(): Promise<CausalLM> {
  const p = sharedPath(...STORIES_PARTS);
  if (p === undefined) throw new Error('stories260K.gguf is absent');
  stories ??= loadModel(p, { backend: new JsBackend() });
  return stories;
}

export interface Running {
  server: LlmServer;
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startServer(models: readonly ModelSpec[], opts: ServerOptions = {}): Promise<Running> {
  const server = new LlmServer(opts);
  for (const m of models) server.addModel(m);
  server.setReady();
  const url = await server.listen(0, '127.0.0.1');
  return { server, url, port: Number(new URL(url).port), close: () => server.close(2000) };
}

/**
 * A model whose greedy output is `script` (token ids) after any prompt not ending in a prefix of
 * it, then EOS (start the script with a byte prompts never hold). Logits: 10 for the scripted
 * token, 0 elsewhere. With FakeTokenizer, ids 0..255 are single bytes, so a script of UTF-8 bytes
 * splits multi-byte characters across tokens.
 */
export class ScriptedModel implements CausalLM {
  readonly info: ModelInfo;
  readonly backend = {} as Backend;
  readonly tokenizer: FakeTokenizer;
  /** Sessions alive (not disposed) and the largest batch seen. */
  live = 0;
  maxBatch = 0;

  constructor(
    readonly script: readonly number[],
    contextLength = 256,
  ) {
    this.tokenizer = new FakeTokenizer();
    this.info = {
      arch: 'scripted',
      vocabSize: this.tokenizer.vocabSize,
      contextLength,
      dim: 4,
      nLayer: 1,
      params: 0,
      bosId: this.tokenizer.bosId,
      eosId: this.tokenizer.eosId,
    };
  }

  /** The next token after `ctx`: script[k] where the last k tokens are the script's first k. */
  next(ctx: readonly number[]): number {
    const sc = this.script;
    for (let k = Math.min(sc.length, ctx.length); k > 0; k--) {
      let ok = true;
      for (let i = 0; i < k && ok; i++) ok = ctx[ctx.length - k + i] === sc[i];
      if (ok) return sc[k] ?? this.tokenizer.eosId;
    }
    return sc[0] ?? this.tokenizer.eosId;
  }

  newSession(opts: SessionOptions = {}): Session {
    const capacity = opts.contextLength ?? this.info.contextLength;
    const out = new Float32Array(this.info.vocabSize);
    const tokens: number[] = [];
    const model = this;
    let alive = true;
    this.live++;
    return {
      get pos() {
        return tokens.length;
      },
      capacity,
      forward(ids: ArrayLike<number>, _mode: LogitsMode = 'last'): Float32Array {
        if (tokens.length + ids.length > capacity) throw new Error('scripted: context overflow');
        for (let i = 0; i < ids.length; i++) tokens.push(ids[i]!);
        out.fill(0);
        out[model.next(tokens)] = 10;
        return out;
      },
      truncate(p: number) {
        if (p < tokens.length) tokens.length = p;
      },
      reset() {
        tokens.length = 0;
      },
      dispose() {
        if (alive) model.live--;
        alive = false;
      },
    };
  }

  forwardBatch(sessions: readonly Session[], toks: readonly ArrayLike<number>[]): Float32Array[] {
    this.maxBatch = Math.max(this.maxBatch, sessions.length);
    return sessions.map((s, i) => s.forward(toks[i]!, 'last'));
  }

  /** A scripted model has no hidden states. */
  embed(_tokens: ArrayLike<number>): Float32Array {
    throw new UnsupportedError('the scripted model has no hidden states', { field: 'model' });
  }

  dispose(): void {}
}

/** Sends raw bytes to the server and returns everything it answers until it closes (or timeout). */
export function rawHttp(port: number, data: string | Buffer, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const timer = setTimeout(done, timeoutMs);
    sock.on('data', (c) => chunks.push(c));
    sock.on('end', done);
    sock.on('error', done);
    sock.on('close', done);
    sock.write(data);
  });
}

/** The value of a Prometheus sample line (first match of name + label text), or 0. */
export async function metric(
  url: string,
  name: string,
  labels = '',
  headers: Record<string, string> = {},
): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers })).text();
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if ((rest.startsWith('{') || rest.startsWith(' ')) && rest.includes(labels))
      return Number(line.split(' ').pop());
  }
  return 0;
}

/** POSTs JSON; returns status, headers and the parsed (or raw) body. */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: unknown; text: string }> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await r.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, headers: r.headers, json, text };
}

/** Asserts nothing: returns true when `e` is an OpenAI-shaped error body. */
export function isOpenAiError(x: unknown): boolean {
  if (typeof x !== 'object' || x === null) return false;
  const e = (x as { error?: Record<string, unknown> }).error;
  if (typeof e !== 'object' || e === null) return false;
  return (
    typeof e.message === 'string' &&
    typeof e.type === 'string' &&
    (e.param === null || typeof e.param === 'string') &&
    (e.code === null || typeof e.code === 'string')
  );
}
