// Chat templates: Jinja from tokenizer_config.json's `chat_template` or GGUF's
// `tokenizer.chat_template`, rendered with @huggingface/jinja. A model without a template gets a
// clear error unless a fallback (e.g. ChatML) is asked for.
import { Template } from '@huggingface/jinja';
import { FormatError, UsageError } from '../errors.js';

export interface ChatMessage {
  role: string;
  content: string | null;
  name?: string;
  tool_calls?: unknown[];
  tool_call_id?: string;
  [extra: string]: unknown;
}

export interface RenderOptions {
  addGenerationPrompt?: boolean;
  bosToken?: string;
  eosToken?: string;
  /** Tool (function) definitions for templates that use `tools`. */
  tools?: readonly unknown[];
  /** More template variables (e.g. `enable_thinking`, `date_string`). */
  extra?: Readonly<Record<string, unknown>>;
}

/** Built-in templates for models that ship none. */
export const FALLBACK_TEMPLATES = {
  chatml:
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
  llama2:
    "{% if messages[0]['role'] == 'system' %}{% set sys = '<<SYS>>\\n' + messages[0]['content'] + '\\n<</SYS>>\\n\\n' %}{% set msgs = messages[1:] %}{% else %}{% set sys = '' %}{% set msgs = messages %}{% endif %}{% for m in msgs %}{% if m['role'] == 'user' %}{{ bos_token + '[INST] ' + (sys if loop.first else '') + m['content'] + ' [/INST]' }}{% else %}{{ ' ' + m['content'] + ' ' + eos_token }}{% endif %}{% endfor %}",
  /** Plain text: "User: ...\nAssistant: ..." (for base models such as stories260K). */
  plain:
    "{% for message in messages %}{% if message['role'] == 'system' %}{{ message['content'] + '\\n\\n' }}{% elif message['role'] == 'user' %}{{ 'User: ' + message['content'] + '\\n' }}{% else %}{{ 'Assistant: ' + message['content'] + '\\n' }}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}",
} as const;

export type FallbackTemplate = keyof typeof FALLBACK_TEMPLATES;

export class ChatTemplate {
  private readonly template: Template;

  constructor(
    readonly source: string,
    readonly origin = 'chat template',
  ) {
    if (source.length > 1 << 20)
      throw new FormatError(`${origin} is larger than 1 MiB`, { field: 'chat_template' });
    try {
      this.template = new Template(source);
    } catch (e) {
      throw new FormatError(`${origin} does not parse: ${(e as Error).message}`, {
        field: 'chat_template',
        cause: e,
      });
    }
  }

  render(messages: readonly ChatMessage[], opts: RenderOptions = {}): string {
    for (const [i, m] of messages.entries()) {
      if (typeof m !== 'object' || m === null || typeof m.role !== 'string')
        throw new UsageError(`messages[${i}].role must be a string`, { field: `messages[${i}].role` });
      if (m.content !== null && typeof m.content !== 'string')
        throw new UsageError(`messages[${i}].content must be a string`, { field: `messages[${i}].content` });
    }
    const vars: Record<string, unknown> = {
      ...opts.extra,
      messages: messages.map((m) => ({ ...m, content: m.content ?? '' })),
      add_generation_prompt: opts.addGenerationPrompt ?? true,
      bos_token: opts.bosToken ?? '',
      eos_token: opts.eosToken ?? '',
    };
    if (opts.tools !== undefined && opts.tools.length > 0) vars.tools = opts.tools;
    try {
      return this.template.render(vars);
    } catch (e) {
      throw new UsageError(`${this.origin} failed to render: ${(e as Error).message}`, {
        field: 'chat_template',
        cause: e,
      });
    }
  }
}

/** Reads the template and BOS/EOS strings of a parsed tokenizer_config.json. */
export function templateFromTokenizerConfig(
  config: unknown,
  file = 'tokenizer_config.json',
  name = 'default',
): { template: ChatTemplate | undefined; bosToken?: string; eosToken?: string } {
  if (typeof config !== 'object' || config === null)
    throw new FormatError(`${file}: not a JSON object`, { file });
  const c = config as Record<string, unknown>;
  const tokenString = (v: unknown): string | undefined =>
    typeof v === 'string'
      ? v
      : typeof v === 'object' && v !== null && typeof (v as { content?: unknown }).content === 'string'
        ? (v as { content: string }).content
        : undefined;
  let src: string | undefined;
  const ct = c.chat_template;
  if (typeof ct === 'string') src = ct;
  else if (Array.isArray(ct)) {
    // [{name, template}, ...]: pick `name`, else 'default', else the first.
    const list = ct.filter(
      (e): e is { name: string; template: string } =>
        typeof e === 'object' && e !== null && typeof e.name === 'string' && typeof e.template === 'string',
    );
    src = (list.find((e) => e.name === name) ?? list.find((e) => e.name === 'default') ?? list[0])?.template;
  } else if (ct !== undefined && ct !== null)
    throw new FormatError(`${file}: chat_template must be a string or a list`, {
      file,
      field: 'chat_template',
    });
  return {
    template: src === undefined ? undefined : new ChatTemplate(src, `${file} chat_template`),
    bosToken: tokenString(c.bos_token),
    eosToken: tokenString(c.eos_token),
  };
}

/**
 * The template to use: the model's own, else the named fallback, else a UsageError explaining how
 * to pick one.
 */
export function resolveChatTemplate(
  source: string | undefined,
  fallback?: FallbackTemplate | string,
): ChatTemplate {
  if (source !== undefined && source.length > 0) return new ChatTemplate(source, "the model's chat template");
  if (fallback !== undefined) {
    const builtin = (FALLBACK_TEMPLATES as Record<string, string>)[fallback];
    return new ChatTemplate(
      builtin ?? fallback,
      builtin ? `fallback template ${fallback}` : 'the given chat template',
    );
  }
  throw new UsageError(
    `the model has no chat template; pass one (--chat-template chatml|llama2|plain|FILE) to chat with it`,
    { field: 'chat_template' },
  );
}
