// Chat messages → prompt token ids, without letting message text become control tokens.
//
// The chat template writes control tokens (`<|im_start|>`, `<|im_end|>` …) that must be parsed
// as such, but text that came from a user (message contents, names, tool calls) must stay text
// even when it spells one. Every control-token string inside message fields is replaced by a
// placeholder (`U+E000 <index> U+E001`, private-use characters) before rendering, so the template
// sees the real text otherwise (trim, split, startswith … behave as usual). The rendered text is
// then tokenized piecewise: template text with specials allowed, each placeholder as plain text.
// The private-use placeholder characters themselves are escaped the same way when a user types
// them, so the marking is injective and a deterministic function of the messages.
import { UsageError } from '../errors.js';
import type { ChatMessage, ChatTemplate } from '../tokenizers/chat-template.js';
import type { Tokenizer } from '../tokenizers/tokenizer.js';

const OPEN = '\uE000';
const CLOSE = '\uE001';
const PLACEHOLDER = /\uE000(\d+)\uE001/g;
/** Nested message fields deeper than this are refused (hostile input must not recurse forever). */
const MAX_DEPTH = 32;

interface Specials {
  /** Literal strings a placeholder stands for: the control tokens, then OPEN and CLOSE. */
  literals: string[];
  /** Index of each literal. */
  index: Map<string, number>;
  /** Matches any literal, longest first; undefined when the tokenizer has no control strings. */
  pattern: RegExp;
}

const specialsCache = new WeakMap<Tokenizer, Specials>();

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The control-token strings of a tokenizer (longer than one character), computed once. */
function specialsOf(tok: Tokenizer): Specials {
  let hit = specialsCache.get(tok);
  if (hit === undefined) {
    const strings = new Set<string>();
    for (let id = 0; id < tok.vocabSize; id++) {
      if (!tok.isSpecial(id)) continue;
      const s = tok.idToToken(id);
      if (s !== undefined && s.length > 1) strings.add(s);
    }
    const literals = [...strings].sort((a, b) => b.length - a.length);
    literals.push(OPEN, CLOSE);
    const index = new Map(literals.map((s, i) => [s, i] as const));
    const pattern = new RegExp(literals.map(escapeRegExp).join('|'), 'g');
    hit = { literals, index, pattern };
    specialsCache.set(tok, hit);
  }
  return hit;
}

/** The first control-token string spelled in `text`, if any. */
export function findSpecial(tok: Tokenizer, text: string): string | undefined {
  const { pattern } = specialsOf(tok);
  for (const m of text.matchAll(pattern)) {
    const s = m[0];
    if (s !== OPEN && s !== CLOSE) return s;
  }
  return undefined;
}

/** `text` with every control-token string (and placeholder character) replaced by a placeholder. */
export function markText(tok: Tokenizer, text: string): string {
  const { index, pattern } = specialsOf(tok);
  pattern.lastIndex = 0;
  if (!pattern.test(text)) return text;
  pattern.lastIndex = 0;
  return text.replace(pattern, (s) => `${OPEN}${index.get(s)}${CLOSE}`);
}

function markValue(tok: Tokenizer, v: unknown, depth: number, field: string): unknown {
  if (typeof v === 'string') return markText(tok, v);
  if (typeof v !== 'object' || v === null) return v;
  if (depth > MAX_DEPTH) throw new UsageError(`${field} is nested too deeply`, { field });
  if (Array.isArray(v)) return v.map((x, i) => markValue(tok, x, depth + 1, `${field}[${i}]`));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = markValue(tok, x, depth + 1, `${field}.${k}`);
  return out;
}

/** Messages with control-token strings in every (nested) string field replaced by placeholders. */
export function markMessages(tok: Tokenizer, messages: readonly ChatMessage[]): ChatMessage[] {
  return messages.map((m, i) => markValue(tok, m, 0, `messages[${i}]`) as ChatMessage);
}

/** Marked text back to the text it stands for (what the prompt ids decode to). */
export function unmarkText(tok: Tokenizer, marked: string): string {
  const { literals } = specialsOf(tok);
  return marked.replace(PLACEHOLDER, (all, k: string) => literals[Number(k)] ?? all);
}

/**
 * Token ids of marked text: text between placeholders is tokenized with special tokens allowed
 * (the template wrote it), each placeholder as plain text. No BOS/EOS is added.
 */
export function encodeMarked(tok: Tokenizer, marked: string): number[] {
  const { literals } = specialsOf(tok);
  const ids: number[] = [];
  let plain = '';
  let last = 0;
  const flushTemplate = (text: string): void => {
    if (text.length > 0)
      for (const id of tok.encode(text, { addSpecial: false, allowSpecial: true })) ids.push(id);
  };
  const flushPlain = (): void => {
    if (plain.length > 0)
      for (const id of tok.encode(plain, { addSpecial: false, allowSpecial: false })) ids.push(id);
    plain = '';
  };
  for (const m of marked.matchAll(PLACEHOLDER)) {
    const literal = literals[Number(m[1])];
    if (literal === undefined) continue; // not one of ours: stays in the template text
    const before = marked.slice(last, m.index);
    if (before.length > 0) {
      flushPlain();
      flushTemplate(before);
    }
    plain += literal; // adjacent placeholders are tokenized together
    last = m.index + m[0].length;
  }
  flushPlain();
  flushTemplate(marked.slice(last));
  return ids;
}

export interface ChatPromptOptions {
  /** End with the assistant header so the model writes the reply (default true). */
  addGenerationPrompt?: boolean;
  /** Tool (function) definitions for templates that use `tools` (marked like messages). */
  tools?: readonly unknown[];
  /** More template variables (trusted: not marked). */
  extra?: Readonly<Record<string, unknown>>;
}

/** The template's BOS/EOS strings for a tokenizer. */
function tokenString(tok: Tokenizer, id: number | undefined): string {
  return id === undefined ? '' : (tok.idToToken(id) ?? '');
}

/** Renders the conversation with marked message fields (see the file comment). */
export function renderMarked(
  tok: Tokenizer,
  template: ChatTemplate,
  messages: readonly ChatMessage[],
  opts: ChatPromptOptions = {},
): string {
  return template.render(markMessages(tok, messages), {
    addGenerationPrompt: opts.addGenerationPrompt ?? true,
    bosToken: tokenString(tok, tok.bosId),
    eosToken: tokenString(tok, tok.eosId),
    tools:
      opts.tools === undefined ? undefined : (markValue(tok, opts.tools, 0, 'tools') as readonly unknown[]),
    extra: opts.extra,
  });
}

/** The conversation rendered as text (control strings typed by users appear as they were typed). */
export function renderChat(
  tok: Tokenizer,
  template: ChatTemplate,
  messages: readonly ChatMessage[],
  opts: ChatPromptOptions = {},
): string {
  return unmarkText(tok, renderMarked(tok, template, messages, opts));
}

/** Adds BOS in front when the tokenizer wants one and the template did not write it. */
export function withBos(tok: Tokenizer, ids: number[]): number[] {
  if (tok.addBos && tok.bosId !== undefined && ids[0] !== tok.bosId) ids.unshift(tok.bosId);
  return ids;
}

/**
 * Renders messages with a template and tokenizes the result: control tokens written by the
 * template are parsed, those spelled in message text stay text, and BOS is added when the
 * tokenizer wants one and the template did not write it.
 */
export function chatPromptIds(
  tok: Tokenizer,
  template: ChatTemplate,
  messages: readonly ChatMessage[],
  opts: ChatPromptOptions = {},
): number[] {
  return withBos(tok, encodeMarked(tok, renderMarked(tok, template, messages, opts)));
}
