// Renders the real Llama-3 and Qwen3 templates (tokenizer_config.json from the shared data) and
// compares with the formats those model cards document.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { sharedPath, skipUnlessShared } from '../testing/shared.js';
import { ChatTemplate, resolveChatTemplate, templateFromTokenizerConfig } from './chat-template.js';

const MESSAGES = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Hi!' },
  { role: 'assistant', content: 'Hello.' },
  { role: 'user', content: 'Bye?' },
];

function load(name: string) {
  const file = sharedPath('data', 'tokenizers', name, 'tokenizer_config.json')!;
  return templateFromTokenizerConfig(JSON.parse(readFileSync(file, 'utf8')), file);
}

describe('chat templates', () => {
  it('llama3 tokenizer_config.json', { skip: skipUnlessShared('data', 'tokenizers', 'llama3') }, () => {
    const t = load('llama3');
    assert.equal(t.bosToken, '<|begin_of_text|>');
    const out = t.template!.render(MESSAGES, { bosToken: t.bosToken, eosToken: t.eosToken });
    const turn = (r: string, c: string) => `<|start_header_id|>${r}<|end_header_id|>\n\n${c}<|eot_id|>`;
    assert.equal(
      out,
      `<|begin_of_text|>${turn('system', 'Be brief.')}${turn('user', 'Hi!')}${turn('assistant', 'Hello.')}${turn('user', 'Bye?')}<|start_header_id|>assistant<|end_header_id|>\n\n`,
    );
  });

  it('qwen3 tokenizer_config.json (generation prompt, tools)', {
    skip: skipUnlessShared('data', 'tokenizers', 'qwen3'),
  }, () => {
    const t = load('qwen3');
    assert.equal(t.eosToken, '<|im_end|>');
    const out = t.template!.render(MESSAGES, { addGenerationPrompt: true });
    assert.ok(
      out.startsWith(
        '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n',
      ),
      out,
    );
    assert.ok(out.endsWith('<|im_start|>user\nBye?<|im_end|>\n<|im_start|>assistant\n'), out);
    const noGen = t.template!.render(MESSAGES, { addGenerationPrompt: false });
    assert.ok(noGen.endsWith('<|im_start|>user\nBye?<|im_end|>\n'));
    const tools = [{ type: 'function', function: { name: 'get_time', parameters: { type: 'object' } } }];
    const withTools = t.template!.render(MESSAGES.slice(1), { tools });
    assert.ok(withTools.includes('<tools>\n{"type": "function", "function": {"name": "get_time"'), withTools);
  });

  it('missing template → clear error; fallback on request', () => {
    assert.throws(() => resolveChatTemplate(undefined), /no chat template.*--chat-template/);
    const t = resolveChatTemplate(undefined, 'chatml');
    assert.equal(
      t.render([{ role: 'user', content: 'x' }]),
      '<|im_start|>user\nx<|im_end|>\n<|im_start|>assistant\n',
    );
    assert.throws(() => new ChatTemplate('{% for %}'), /does not parse/);
    assert.throws(() => t.render([{ role: 3 as unknown as string, content: 'x' }]), /messages\[0\]\.role/);
  });
});
