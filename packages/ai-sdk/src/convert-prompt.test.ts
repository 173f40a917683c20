import { UnsupportedFunctionalityError } from '@ai-sdk/provider';
import { describe, expect, it } from 'vitest';
import { toChatMessages, toCompletionText, toolResultText } from './convert-prompt.js';

describe('toChatMessages', () => {
  it('maps every role, tool calls with JSON arguments and tool results answering their call', () => {
    expect(
      toChatMessages([
        { role: 'system', content: 'Be terse.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather ' },
            { type: 'text', text: 'in Paris?' },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'reasoning', text: 'I should call the tool.' },
            { type: 'text', text: 'Checking.' },
            { type: 'tool-call', toolCallId: 'call_1', toolName: 'weather', input: { city: 'Paris' } },
          ],
        },
        {
          role: 'tool',
          content: [
            {
              type: 'tool-result',
              toolCallId: 'call_1',
              toolName: 'weather',
              output: { type: 'json', value: { c: 21 } },
            },
          ],
        },
      ]),
    ).toEqual([
      { role: 'system', content: 'Be terse.' },
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: 'Checking.',
        toolCalls: [{ id: 'call_1', name: 'weather', arguments: '{"city":"Paris"}' }],
      },
      { role: 'tool', content: '{"c":21}', toolCallId: 'call_1', name: 'weather' },
    ]);
  });

  it('refuses file parts with the AI SDK error for unsupported functionality', () => {
    const run = () =>
      toChatMessages([{ role: 'user', content: [{ type: 'file', data: 'AAAA', mediaType: 'image/png' }] }]);
    expect(run).toThrow(UnsupportedFunctionalityError);
    expect(run).toThrow(/image\/png/);
  });
});

describe('toolResultText', () => {
  it('gives text as it is, JSON as JSON text, a denial its reason', () => {
    expect(toolResultText({ type: 'text', value: 'sunny' })).toBe('sunny');
    expect(toolResultText({ type: 'error-json', value: [1, 'x'] })).toBe('[1,"x"]');
    expect(toolResultText({ type: 'execution-denied' })).toBe('The tool call was denied.');
    expect(
      toolResultText({
        type: 'content',
        value: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
      }),
    ).toBe('ab');
  });
});

describe('toCompletionText', () => {
  it('keeps a lone user message as it is and joins several with blank lines', () => {
    expect(toCompletionText([{ role: 'user', content: [{ type: 'text', text: 'And God said,' }] }])).toBe(
      'And God said,',
    );
    expect(
      toCompletionText([
        { role: 'system', content: 'A' },
        { role: 'user', content: [{ type: 'text', text: 'B' }] },
      ]),
    ).toBe('A\n\nB');
  });

  it('refuses tool results, which need a chat template', () => {
    expect(() =>
      toCompletionText([
        {
          role: 'tool',
          content: [{ type: 'tool-result', toolCallId: 'c', toolName: 't', output: { type: 'text', value: 'x' } }],
        },
      ]),
    ).toThrow(UnsupportedFunctionalityError);
  });
});
