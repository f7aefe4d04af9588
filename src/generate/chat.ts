// Multi-turn chat over one KV cache: each turn renders the whole conversation with the chat
// template, and only the part after the longest common token prefix with the cache is computed.
// When the conversation outgrows the context: a clear error, or (slidingWindow) the oldest turns
// after the system message are dropped.
import { UsageError } from '../errors.js';
import type { CausalLM } from '../models/causal-lm.js';
import {
  type ChatMessage,
  type ChatTemplate,
  type FallbackTemplate,
  resolveChatTemplate,
} from '../tokenizers/chat-template.js';
import type { Tokenizer } from '../tokenizers/tokenizer.js';
import { type GenerateOptions, type GenerationResult, type GenerationStream, generate } from './generate.js';
import { Sequence } from './sequence.js';

export interface ChatOptions {
  /** A Jinja template overriding the model's. */
  template?: string;
  /** Built-in template (or Jinja source) used when the model has none. */
  fallbackTemplate?: FallbackTemplate | string;
  system?: string;
  /** KV-cache size (default: the model's context length). */
  contextLength?: number;
  /** Drop the oldest turns instead of failing when the conversation no longer fits. */
  slidingWindow?: boolean;
  tools?: readonly unknown[];
  /** More template variables. */
  templateVars?: Readonly<Record<string, unknown>>;
}

/**
 * Renders messages with a template and tokenizes the result: special tokens in the template are
 * parsed, and BOS is added when the tokenizer wants one and the template did not write it.
 */
export function chatPromptIds(
  tok: Tokenizer,
  template: ChatTemplate,
  messages: readonly ChatMessage[],
  opts: {
    addGenerationPrompt?: boolean;
    tools?: readonly unknown[];
    extra?: Readonly<Record<string, unknown>>;
  } = {},
): number[] {
  const tokenString = (id: number | undefined): string => (id === undefined ? '' : (tok.idToToken(id) ?? ''));
  const text = template.render(messages, {
    addGenerationPrompt: opts.addGenerationPrompt ?? true,
    bosToken: tokenString(tok.bosId),
    eosToken: tokenString(tok.eosId),
    tools: opts.tools,
    extra: opts.extra,
  });
  const ids = tok.encode(text, { addSpecial: false, allowSpecial: true });
  if (tok.addBos && tok.bosId !== undefined && ids[0] !== tok.bosId) ids.unshift(tok.bosId);
  return ids;
}

export type ChatTurnOptions = Omit<GenerateOptions, 'sequence' | 'contextLength' | 'encode'>;

export class ChatSession {
  readonly template: ChatTemplate;
  readonly sequence: Sequence;
  readonly messages: ChatMessage[] = [];
  private readonly tokenizer: Tokenizer;
  /** The last turn's rendered text (prompt + reply) and its ids, to tokenize only what is new. */
  private lastText: string | undefined;
  private lastIds: number[] = [];
  /** The ids the last turn was generated from. */
  lastPromptIds: number[] = [];

  constructor(
    readonly model: CausalLM,
    readonly opts: ChatOptions = {},
  ) {
    if (!model.tokenizer) throw new UsageError('chat needs a model with a tokenizer', { field: 'model' });
    this.tokenizer = model.tokenizer;
    this.template = resolveChatTemplate(opts.template ?? model.tokenizer.chatTemplate, opts.fallbackTemplate);
    this.sequence = new Sequence(model, { contextLength: opts.contextLength });
    this.reset();
  }

  /** Forgets the conversation (keeps the system message) and clears the cache. */
  reset(): void {
    this.messages.length = 0;
    if (this.opts.system !== undefined) this.messages.push({ role: 'system', content: this.opts.system });
    this.sequence.reset();
    this.lastText = undefined;
    this.lastIds = [];
  }

  private tokenString(id: number | undefined): string {
    return id === undefined ? '' : (this.tokenizer.idToToken(id) ?? '');
  }

  /** The conversation rendered with the generation prompt. */
  render(messages: readonly ChatMessage[] = this.messages): string {
    const tok = this.tokenizer;
    return this.template.render(messages, {
      addGenerationPrompt: true,
      bosToken: this.tokenString(tok.bosId),
      eosToken: this.tokenString(tok.eosId),
      tools: this.opts.tools,
      extra: this.opts.templateVars,
    });
  }

  /**
   * Token ids of the rendered conversation. When it extends the previous turn's text, the previous
   * ids (including the reply's own tokens) are kept and only the new text is tokenized, so the
   * KV cache stays valid.
   */
  promptIds(messages: readonly ChatMessage[] = this.messages): number[] {
    const tok = this.tokenizer;
    const text = this.render(messages);
    if (this.lastText !== undefined && text.startsWith(this.lastText))
      return this.lastIds.concat(
        tok.encode(text.slice(this.lastText.length), { addSpecial: false, allowSpecial: true }),
      );
    const ids = tok.encode(text, { addSpecial: false, allowSpecial: true });
    // Add BOS when the tokenizer wants one and the template did not write it.
    if (tok.addBos && tok.bosId !== undefined && ids[0] !== tok.bosId) ids.unshift(tok.bosId);
    return ids;
  }

  /** Fits the conversation into the context (sliding window) or throws. Returns the prompt ids. */
  private fit(reserve: number): { ids: number[]; text: string } {
    const cap = this.sequence.capacity;
    for (;;) {
      const ids = this.promptIds();
      if (ids.length + reserve <= cap) return { ids, text: this.render() };
      const first = this.messages[0]?.role === 'system' ? 1 : 0;
      if (!this.opts.slidingWindow || this.messages.length - first <= 1)
        throw new UsageError(
          `the conversation (${ids.length} tokens) no longer fits the context of ${cap} tokens: /reset it or use a larger context`,
          { field: 'contextLength' },
        );
      // Drop the oldest turn (a user message and the replies up to the next user message).
      let end = first + 1;
      while (end < this.messages.length - 1 && this.messages[end]!.role !== 'user') end++;
      this.messages.splice(first, end - first);
    }
  }

  /**
   * Adds a user message and streams the reply. The reply joins the history when the stream ends
   * (also when it is aborted: the partial reply is kept).
   */
  send(content: string, opts: ChatTurnOptions = {}): GenerationStream {
    this.messages.push({ role: 'user', content });
    let fitted: { ids: number[]; text: string };
    try {
      fitted = this.fit(1);
    } catch (e) {
      this.messages.pop();
      throw e;
    }
    const { ids, text } = fitted;
    this.lastPromptIds = ids;
    const stream = generate(this.model, ids, { ...opts, sequence: this.sequence });
    const result = stream.result.then((r: GenerationResult) => {
      this.messages.push({ role: 'assistant', content: r.text });
      this.lastText = text + r.text;
      this.lastIds = ids.concat(r.tokens);
      return r;
    });
    result.catch(() => {});
    return { result, [Symbol.asyncIterator]: () => stream[Symbol.asyncIterator]() };
  }
}
