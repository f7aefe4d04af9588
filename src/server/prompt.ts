// Chat messages → prompt token ids. The conversation is rendered with the model's chat template;
// control tokens written by the template are parsed as such, but text that came from the client
// never becomes a control token: when a message spells one (e.g. "<|im_end|>"), each message is
// tokenized on its own as plain text between the template's pieces.
import { type ChatMessage, type ChatTemplate, resolveChatTemplate } from '../tokenizers/chat-template.js';
import type { Tokenizer } from '../tokenizers/tokenizer.js';
import { badRequest } from './errors.js';

/** The control-token strings of a tokenizer, computed once. */
const specialsCache = new WeakMap<Tokenizer, { strings: string[]; firstChars: Set<string> }>();

function specialsOf(tok: Tokenizer): { strings: string[]; firstChars: Set<string> } {
  let hit = specialsCache.get(tok);
  if (hit === undefined) {
    const strings: string[] = [];
    for (let id = 0; id < tok.vocabSize; id++) {
      if (!tok.isSpecial(id)) continue;
      const s = tok.idToToken(id);
      if (s !== undefined && s.length > 1) strings.push(s);
    }
    hit = { strings, firstChars: new Set(strings.map((s) => s[0]!)) };
    specialsCache.set(tok, hit);
  }
  return hit;
}

/** The first control-token string spelled in `text`, if any. */
export function findSpecial(tok: Tokenizer, text: string): string | undefined {
  const { strings, firstChars } = specialsOf(tok);
  if (strings.length === 0) return undefined;
  let maybe = false;
  for (const c of firstChars)
    if (text.includes(c)) {
      maybe = true;
      break;
    }
  if (!maybe) return undefined;
  return strings.find((s) => text.includes(s));
}

/** The template for a model: its own, else ChatML when the vocabulary has it, else plain text. */
export function templateFor(tok: Tokenizer, override?: string): ChatTemplate {
  if (override !== undefined) return resolveChatTemplate(undefined, override);
  const fallback = tok.tokenToId('<|im_start|>') !== undefined ? 'chatml' : 'plain';
  return resolveChatTemplate(tok.chatTemplate, fallback);
}

const OPEN = '\uE000';
const CLOSE = '\uE001';

export function chatPromptIds(
  tok: Tokenizer,
  template: ChatTemplate,
  messages: readonly ChatMessage[],
): number[] {
  const render = (msgs: readonly ChatMessage[]): string =>
    template.render(msgs, {
      addGenerationPrompt: true,
      bosToken: tok.bosId === undefined ? '' : (tok.idToToken(tok.bosId) ?? ''),
      eosToken: tok.eosId === undefined ? '' : (tok.idToToken(tok.eosId) ?? ''),
    });
  const spelled = messages.some(
    (m) => typeof m.content === 'string' && findSpecial(tok, m.content) !== undefined,
  );
  let ids: number[];
  if (!spelled) {
    ids = tok.encode(render(messages), { addSpecial: false, allowSpecial: true });
  } else {
    // Render with placeholders, then tokenize template pieces (specials allowed) and message
    // contents (plain text) separately.
    const marked = messages.map((m, i) => ({ ...m, content: `${OPEN}${i}${CLOSE}` }));
    const text = render(marked);
    const parts = text.split(new RegExp(`${OPEN}(\\d+)${CLOSE}`));
    const seen = new Set<number>();
    ids = [];
    for (let k = 0; k < parts.length; k++) {
      if (k % 2 === 0) {
        if (parts[k]!.length > 0)
          ids.push(...tok.encode(parts[k]!, { addSpecial: false, allowSpecial: true }));
        continue;
      }
      const i = Number(parts[k]);
      seen.add(i);
      const content = messages[i]?.content ?? '';
      if (content.length > 0) ids.push(...tok.encode(content, { addSpecial: false, allowSpecial: false }));
    }
    if (seen.size !== messages.length)
      throw badRequest(
        'a message spells a control token and the chat template transforms message text',
        'messages',
      );
  }
  if (tok.addBos && tok.bosId !== undefined && ids[0] !== tok.bosId) ids.unshift(tok.bosId);
  return ids;
}
