import { loadTokenizerFiles } from '@pio/test-kit';
import { describe, expect, it } from 'vitest';
import { ChatTemplateError } from './chat-template-error.js';
import { renderChat } from './render-chat.js';

describe('renderChat', () => {
  it("renders Qwen3's real template with a system message and the generation prompt", async () => {
    const { tokenizerConfig } = await loadTokenizerFiles('qwen3');
    const text = renderChat(
      [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Hi!' },
      ],
      { template: tokenizerConfig.chat_template as string },
    );
    expect(text).toBe('<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n');
  });

  it("renders Llama 3's real template with the BOS token", async () => {
    const { tokenizerConfig } = await loadTokenizerFiles('llama3');
    const text = renderChat([{ role: 'user', content: 'Hello' }], {
      template: tokenizerConfig.chat_template as string,
      bosToken: '<|begin_of_text|>',
    });
    expect(text.startsWith('<|begin_of_text|>')).toBe(true);
    expect(text).toContain('<|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>');
    expect(text.endsWith('<|start_header_id|>assistant<|end_header_id|>\n\n')).toBe(true);
  });

  it('throws ChatTemplateError for a model without a template, naming where it looked', () => {
    const error = (() => {
      try {
        renderChat([{ role: 'user', content: 'x' }], { template: undefined, source: '/m/tokenizer_config.json' });
      } catch (e) {
        return e;
      }
    })();
    expect(ChatTemplateError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('no "chat_template" in /m/tokenizer_config.json');
    expect((error as Error).message).toContain('Pass a Jinja template as chatTemplate');
  });

  it('throws ChatTemplateError when the template raises', () => {
    expect(() =>
      renderChat([{ role: 'user', content: 'x' }], { template: "{{ raise_exception('roles must alternate') }}" }),
    ).toThrow(/failed on these messages: .*roles must alternate/);
  });
});
