import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ToolDefinition } from '@pio/core';
import { GrammarError } from '@pio/grammar';
import { writeRandomCheckpoint } from '@pio/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatTemplateError } from '../chat/chat-template-error.js';
import { TextTokenizer } from '../tokenizer/text-tokenizer.js';
import { chatPrompt } from './chat-prompt.js';

let root: string;
let tokenizer: TextTokenizer;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-chat-prompt-'));
  const { dir } = await writeRandomCheckpoint(join(root, 'checkpoint'), { arch: 'qwen3', tokenizer: 'gpt2' });
  tokenizer = await TextTokenizer.fromCheckpoint(dir);
});

afterAll(() => rm(root, { recursive: true, force: true }));

const template =
  '{% if tools %}[tools:{% for tool in tools %}{{ tool.function.name }}{% endfor %}] <tool_call>{% endif %}' +
  '{% for message in messages %}{{ message.role }}: {{ message.content }}\n{% endfor %}assistant:';
const weather: ToolDefinition = {
  type: 'function',
  function: { name: 'weather', description: 'The weather', parameters: { type: 'object', properties: {} } },
};
const messages = [{ role: 'user' as const, content: 'Hi' }];
const text = (ids: number[]) => tokenizer.decode(ids);

describe('chatPrompt', () => {
  it('renders the messages with the template and tokenizes them without adding special tokens', () => {
    const prompt = chatPrompt(messages, { chatTemplate: template }, tokenizer);
    expect(text(prompt.inputIds)).toBe('user: Hi\nassistant:');
    expect(prompt.inputIds).toEqual(tokenizer.encode('user: Hi\nassistant:', { addSpecialTokens: false }));
    expect([prompt.grammar, prompt.toolSyntax]).toEqual([undefined, undefined]);
  });

  it('offers the tools and parses calls in the syntax the template asks for; a required call has a grammar', () => {
    const auto = chatPrompt(messages, { chatTemplate: template, tools: [weather] }, tokenizer);
    expect(text(auto.inputIds)).toBe('[tools:weather] <tool_call>user: Hi\nassistant:');
    expect([auto.grammar, auto.toolSyntax]).toEqual([undefined, 'hermes']);
    const required = chatPrompt(
      messages,
      { chatTemplate: template, tools: [weather], toolChoice: 'required' },
      tokenizer,
    );
    expect(required.grammar).toEqual({ kind: 'tool-call', tools: [weather], syntax: 'hermes' });
  });

  it('offers no tools for toolChoice none', () => {
    const none = chatPrompt(messages, { chatTemplate: template, tools: [weather], toolChoice: 'none' }, tokenizer);
    expect(text(none.inputIds)).toBe('user: Hi\nassistant:');
    expect(none.toolSyntax).toBeUndefined();
  });

  it('refuses a named tool that is not offered, and a missing template', () => {
    const named = { type: 'function' as const, function: { name: 'other' } };
    expect(() =>
      chatPrompt(messages, { chatTemplate: template, tools: [weather], toolChoice: named }, tokenizer),
    ).toThrow(GrammarError);
    const noTemplate = () => chatPrompt(messages, { chatTemplate: '' }, tokenizer, 'x/tokenizer_config.json');
    expect(noTemplate).toThrow(ChatTemplateError);
    expect(noTemplate).toThrow('no "chat_template" in x/tokenizer_config.json');
  });
});
