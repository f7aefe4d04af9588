// Chat messages → prompt token ids for the server. The tokenization itself (control tokens written
// by the template are parsed, those typed by clients stay text) is shared with the library in
// generate/chat-prompt.ts.
import { type ChatTemplate, resolveChatTemplate } from '../tokenizers/chat-template.js';
import type { Tokenizer } from '../tokenizers/tokenizer.js';

export { chatPromptIds, findSpecial } from '../generate/chat-prompt.js';

/** The template for a model: its own, else ChatML when the vocabulary has it, else plain text. */
export function templateFor(tok: Tokenizer, override?: string): ChatTemplate {
  if (override !== undefined) return resolveChatTemplate(undefined, override);
  const fallback = tok.tokenToId('<|im_start|>') !== undefined ? 'chatml' : 'plain';
  return resolveChatTemplate(tok.chatTemplate, fallback);
}
