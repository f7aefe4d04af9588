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
import {
  type ChatPromptOptions,
  encodeMarked,
  markText,
  renderMarked,
  unmarkText,
  withBos,
} from './chat-prompt.js';
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
  /** KV-cache storage: 'f32' (default) or 'q8_0'. */
  cacheType?: 'f32' | 'q8_0';
  /** Drop the oldest turns instead of failing when the conversation no longer fits. */
  slidingWindow?: boolean;
  tools?: readonly unknown[];
  /** More template variables. */
  templateVars?: Readonly<Record<string, unknown>>;
}

export { chatPromptIds } from './chat-prompt.js';

export type ChatTurnOptions = Omit<GenerateOptions, 'sequence' | 'contextLength' | 'encode' | 'cacheType'>;

export class ChatSession {
  readonly template: ChatTemplate;
  readonly sequence: Sequence;
  readonly messages: ChatMessage[] = [];
  private readonly tokenizer: Tokenizer;
  /**
   * The last turn's rendered marked text (prompt + reply) and its ids, to tokenize only what is
   * new.
   */
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
    this.sequence = new Sequence(model, { contextLength: opts.contextLength, cacheType: opts.cacheType });
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

  private renderOptions(): ChatPromptOptions {
    return { addGenerationPrompt: true, tools: this.opts.tools, extra: this.opts.templateVars };
  }

  /**
   * The conversation rendered with the generation prompt, control strings typed in messages
   * replaced by placeholders (see chat-prompt.ts).
   */
  private renderMarked(messages: readonly ChatMessage[]): string {
    return renderMarked(this.tokenizer, this.template, messages, this.renderOptions());
  }

  /** The conversation rendered with the generation prompt. */
  render(messages: readonly ChatMessage[] = this.messages): string {
    return unmarkText(this.tokenizer, this.renderMarked(messages));
  }

  /**
   * Token ids of the rendered conversation: control tokens written by the template are parsed,
   * those typed in messages stay text. When it extends the previous turn's text, the previous ids
   * (including the reply's own tokens) are kept and only the new text is tokenized, so the KV
   * cache stays valid.
   */
  promptIds(messages: readonly ChatMessage[] = this.messages): number[] {
    return this.promptOf(messages).ids;
  }

  private promptOf(messages: readonly ChatMessage[]): { ids: number[]; text: string } {
    const tok = this.tokenizer;
    const text = this.renderMarked(messages);
    if (this.lastText !== undefined && text.startsWith(this.lastText))
      return { ids: this.lastIds.concat(encodeMarked(tok, text.slice(this.lastText.length))), text };
    return { ids: withBos(tok, encodeMarked(tok, text)), text };
  }

  /** Fits the conversation into the context (sliding window) or throws. Returns the prompt ids. */
  private fit(reserve: number): { ids: number[]; text: string } {
    const cap = this.sequence.capacity;
    for (;;) {
      const { ids, text } = this.promptOf(this.messages);
      if (ids.length + reserve <= cap) return { ids, text };
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
      this.lastText = text + markText(this.tokenizer, r.text);
      this.lastIds = ids.concat(r.tokens);
      return r;
    });
    result.catch(() => {});
    return { result, [Symbol.asyncIterator]: () => stream[Symbol.asyncIterator]() };
  }
}
