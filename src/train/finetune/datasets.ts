// Fine-tuning datasets: instruction (Alpaca), conversation (messages / ShareGPT) and preference
// (prompt/chosen/rejected, LLaMA-Factory `conversations`+`chosen`+`rejected`, hh-rlhf
// "\n\nHuman: … \n\nAssistant: …" pairs) records, normalised to chat messages and rendered with
// the model's chat template into token ids with an assistant-only loss mask.
import { FormatError, UsageError } from '../../errors.js';
import { encodeMarked, markMessages } from '../../generate/chat-prompt.js';
import type { ChatMessage, ChatTemplate } from '../../tokenizers/chat-template.js';
import type { Tokenizer } from '../../tokenizers/tokenizer.js';

export interface Conversation {
  messages: ChatMessage[];
}

export interface PreferencePair {
  /** The conversation up to the response. */
  prompt: ChatMessage[];
  chosen: string;
  rejected: string;
}

/** Token ids of a rendered conversation; `mask[i]` = 1 where token i is trained on. */
export interface TokenizedExample {
  ids: number[];
  mask: Uint8Array;
}

function bad(file: string, i: number, msg: string): never {
  throw new FormatError(`${file}: record ${i}: ${msg}`, { file, field: `[${i}]` });
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

const SHAREGPT_ROLES: Record<string, string> = {
  human: 'user',
  user: 'user',
  gpt: 'assistant',
  assistant: 'assistant',
  system: 'system',
  observation: 'tool',
  function_call: 'assistant',
};

function toMessages(list: unknown, file: string, i: number, field: string): ChatMessage[] {
  if (!Array.isArray(list)) bad(file, i, `${field} must be a list`);
  return list.map((m, j) => {
    const o = m as Record<string, unknown>;
    const role = str(o.role) ?? SHAREGPT_ROLES[str(o.from) ?? ''];
    const content = str(o.content) ?? str(o.value);
    if (role === undefined || content === undefined)
      bad(file, i, `${field}[${j}] needs role/from and content/value`);
    return { role, content };
  });
}

/** Parses SFT records: Alpaca {instruction, input?, output, system?} or {messages} / {conversations}. */
export function parseSftRecords(records: unknown, file: string): Conversation[] {
  if (!Array.isArray(records)) throw new FormatError(`${file}: expected a JSON array of records`, { file });
  const out: Conversation[] = [];
  records.forEach((r, i) => {
    if (r === null || typeof r !== 'object') bad(file, i, 'not an object');
    const o = r as Record<string, unknown>;
    let messages: ChatMessage[];
    if (o.messages !== undefined || o.conversations !== undefined) {
      messages = toMessages(
        o.messages ?? o.conversations,
        file,
        i,
        o.messages !== undefined ? 'messages' : 'conversations',
      );
      if (typeof o.system === 'string' && o.system.length > 0)
        messages.unshift({ role: 'system', content: o.system });
    } else {
      const instruction = str(o.instruction);
      const output = str(o.output);
      if (instruction === undefined || output === undefined)
        bad(file, i, 'missing "instruction" or "output"');
      const input = str(o.input) ?? '';
      messages = [];
      if (typeof o.system === 'string' && o.system.length > 0)
        messages.push({ role: 'system', content: o.system });
      messages.push({ role: 'user', content: input.length > 0 ? `${instruction}\n\n${input}` : instruction });
      messages.push({ role: 'assistant', content: output });
    }
    const last = messages[messages.length - 1];
    if (last === undefined || last.role !== 'assistant')
      bad(file, i, 'the conversation must end with an assistant turn');
    if ((last.content ?? '').trim().length === 0) bad(file, i, 'empty response');
    out.push({ messages });
  });
  return out;
}

/** hh-rlhf transcript → messages ("\n\nHuman: …\n\nAssistant: …"). */
export function parseHhTranscript(text: string): ChatMessage[] {
  const parts = text.split(/\n\n(Human|Assistant): /);
  const msgs: ChatMessage[] = [];
  for (let k = 1; k + 1 < parts.length; k += 2) {
    msgs.push({ role: parts[k] === 'Human' ? 'user' : 'assistant', content: parts[k + 1]!.trim() });
  }
  return msgs;
}

/** Parses preference pairs in the LLaMA-Factory, plain and hh-rlhf formats. */
export function parsePreferenceRecords(records: unknown, file: string): PreferencePair[] {
  if (!Array.isArray(records)) throw new FormatError(`${file}: expected a JSON array of records`, { file });
  return records.map((r, i) => {
    if (r === null || typeof r !== 'object') bad(file, i, 'not an object');
    const o = r as Record<string, unknown>;
    if (o.conversations !== undefined) {
      const prompt = toMessages(o.conversations, file, i, 'conversations');
      const pick = (v: unknown, f: string) => {
        const s =
          str(v) ??
          str((v as Record<string, unknown> | null)?.value) ??
          str((v as Record<string, unknown> | null)?.content);
        if (s === undefined) bad(file, i, `${f} must be a string or a message`);
        return s;
      };
      return { prompt, chosen: pick(o.chosen, 'chosen'), rejected: pick(o.rejected, 'rejected') };
    }
    if (typeof o.prompt === 'string' && typeof o.chosen === 'string' && typeof o.rejected === 'string') {
      return { prompt: [{ role: 'user', content: o.prompt }], chosen: o.chosen, rejected: o.rejected };
    }
    if (typeof o.chosen === 'string' && typeof o.rejected === 'string') {
      // hh-rlhf: two full transcripts sharing everything up to the last assistant turn.
      const c = parseHhTranscript(o.chosen);
      const j = parseHhTranscript(o.rejected);
      const lc = c[c.length - 1];
      const lj = j[j.length - 1];
      if (lc?.role !== 'assistant' || lj?.role !== 'assistant')
        bad(file, i, 'transcripts must end with an Assistant turn');
      return { prompt: c.slice(0, -1), chosen: lc.content ?? '', rejected: lj.content ?? '' };
    }
    return bad(
      file,
      i,
      'expected {conversations, chosen, rejected}, {prompt, chosen, rejected} or hh-rlhf {chosen, rejected}',
    );
  });
}

export interface RenderContext {
  template: ChatTemplate;
  tokenizer: Tokenizer;
  bosToken?: string;
  eosToken?: string;
}

/**
 * Renders messages with control-token strings in their text replaced by placeholders (see
 * generate/chat-prompt.ts), so that data can never inject a control token.
 */
function render(ctx: RenderContext, messages: readonly ChatMessage[], addGenerationPrompt: boolean): string {
  return ctx.template.render(markMessages(ctx.tokenizer, messages), {
    addGenerationPrompt,
    ...(ctx.bosToken !== undefined ? { bosToken: ctx.bosToken } : {}),
    ...(ctx.eosToken !== undefined ? { eosToken: ctx.eosToken } : {}),
  });
}

function encode(ctx: RenderContext, marked: string): number[] {
  // Control tokens written by the template are parsed; those spelled in the data stay text.
  return encodeMarked(ctx.tokenizer, marked);
}

/**
 * Token ids of a prompt rendered up to the assistant's turn (generation prompt added), with BOS
 * when the tokenizer wants one; control tokens spelled in the messages stay text (e.g. PPO prompts).
 */
export function tokenizePrompt(ctx: RenderContext, messages: readonly ChatMessage[]): number[] {
  const bos = ctx.tokenizer.addBos && ctx.tokenizer.bosId !== undefined ? [ctx.tokenizer.bosId] : [];
  return [...bos, ...encode(ctx, render(ctx, messages, true))];
}

/**
 * Renders a conversation and marks assistant tokens as trainable: every assistant turn's text
 * (and the template's end-of-turn tokens after it) is trained, prompts and user turns are not.
 * The template must render each prefix of the conversation as a text prefix of the whole.
 */
export function tokenizeConversation(ctx: RenderContext, conv: Conversation): TokenizedExample {
  const ids: number[] = [];
  const mask: number[] = [];
  let done = '';
  const push = (text: string, train: boolean) => {
    if (text.length === 0) return;
    for (const id of encode(ctx, text)) {
      ids.push(id);
      mask.push(train ? 1 : 0);
    }
  };
  const bos = ctx.tokenizer.addBos ? ctx.tokenizer.bosId : undefined;
  if (bos !== undefined) {
    ids.push(bos);
    mask.push(0);
  }
  for (let i = 0; i < conv.messages.length; i++) {
    if (conv.messages[i]!.role !== 'assistant') continue;
    const prompt = render(ctx, conv.messages.slice(0, i), true);
    const full = render(ctx, conv.messages.slice(0, i + 1), false);
    if (!prompt.startsWith(done) || !full.startsWith(prompt)) {
      throw new UsageError(
        'the chat template does not render conversations incrementally (a prefix changes when a turn is added); use --template',
        { field: 'chat_template' },
      );
    }
    push(prompt.slice(done.length), false);
    push(full.slice(prompt.length), true);
    done = full;
  }
  // Templates without an end-of-turn token get EOS appended, so the model learns to stop.
  const eos = ctx.tokenizer.eosId;
  const eog = ctx.tokenizer.eogIds;
  let tail = ids.length - 1;
  while (tail >= 0 && mask[tail] === 1 && !eog.has(ids[tail]!)) tail--;
  if (eos !== undefined && (tail < 0 || mask[tail] !== 1)) {
    ids.push(eos);
    mask.push(1);
  }
  return { ids, mask: Uint8Array.from(mask) };
}

/** Prompt and response token ids of a preference pair (the response part is what is scored). */
export function tokenizePair(
  ctx: RenderContext,
  pair: PreferencePair,
): { prompt: number[]; chosen: number[]; rejected: number[] } {
  const promptText = render(ctx, pair.prompt, true);
  const resp = (content: string) => {
    const full = render(ctx, [...pair.prompt, { role: 'assistant', content }], false);
    if (!full.startsWith(promptText)) {
      throw new UsageError(
        'the chat template does not render the prompt as a prefix of the answer; use --template',
        {
          field: 'chat_template',
        },
      );
    }
    const ids = encode(ctx, full.slice(promptText.length));
    const eos = ctx.tokenizer.eosId;
    if (eos !== undefined && !ids.some((id) => ctx.tokenizer.eogIds.has(id))) ids.push(eos);
    return ids;
  };
  const bos = ctx.tokenizer.addBos && ctx.tokenizer.bosId !== undefined ? [ctx.tokenizer.bosId] : [];
  return {
    prompt: [...bos, ...encode(ctx, promptText)],
    chosen: resp(pair.chosen),
    rejected: resp(pair.rejected),
  };
}
