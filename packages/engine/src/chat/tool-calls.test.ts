import type { GenerationDelta } from '@pio/core';
import { describe, expect, it } from 'vitest';
import {
  parseToolCalls,
  streamToolCalls,
  templateMessages,
  toolCallSyntaxOf,
  toolChoiceGrammar,
} from './tool-calls.js';

const usage = { promptTokens: 1, completionTokens: 1, timeToFirstTokenMs: 0, tokensPerSecond: 0 };

async function* tokens(pieces: string[]): AsyncGenerator<GenerationDelta> {
  for (const [i, text] of pieces.entries()) yield { type: 'token', tokenId: i, text };
  yield { type: 'finish', text: '', finishReason: 'stop', usage };
}

async function collect(stream: AsyncIterable<GenerationDelta>) {
  const out = { text: '', calls: [] as { name: string; arguments: string }[], finish: '', tokens: 0 };
  for await (const delta of stream) {
    out.text += delta.text;
    if (delta.type === 'token') out.tokens++;
    if (delta.type === 'tool-call') out.calls.push({ name: delta.toolCall.name, arguments: delta.toolCall.arguments });
    if (delta.type === 'finish') out.finish = delta.finishReason;
  }
  return out;
}

describe('tool-call parsers', () => {
  it('parse Hermes <tool_call> blocks and keep the text around them', () => {
    const parsed = parseToolCalls(
      'Let me check.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>\n<tool_call>\n{"name":"now","arguments":{}}\n</tool_call>',
      'hermes',
    );
    expect(parsed.text).toBe('Let me check.\n\n');
    expect(parsed.toolCalls.map(({ name, arguments: args }) => ({ name, args }))).toEqual([
      { name: 'get_weather', args: '{"city":"Paris"}' },
      { name: 'now', args: '{}' },
    ]);
    expect(parsed.toolCalls[0]!.id).toMatch(/^call_[A-Za-z0-9]{24}$/);
    // A block that is not a call object stays text.
    expect(parseToolCalls('<tool_call>oops</tool_call>', 'hermes')).toEqual({
      text: '<tool_call>oops</tool_call>',
      toolCalls: [],
    });
  });

  it('parse a Llama 3 JSON call (parameters, optional <|python_tag|>) and leave other text alone', () => {
    const call = parseToolCalls('{"name": "get_weather", "parameters": {"city": "Oslo"}}', 'llama3-json');
    expect(call.text).toBe('');
    expect(call.toolCalls[0]).toMatchObject({ name: 'get_weather', arguments: '{"city":"Oslo"}' });
    expect(parseToolCalls('<|python_tag|>{"name":"x","parameters":{}}', 'llama3-json').toolCalls).toHaveLength(1);
    expect(parseToolCalls('It is sunny. {"a": 1}', 'llama3-json')).toEqual({
      text: 'It is sunny. {"a": 1}',
      toolCalls: [],
    });
  });

  it('stream Hermes calls: markup held back across token boundaries, one tool-call delta per call, finish tool-calls', async () => {
    const out = await collect(
      streamToolCalls(
        tokens(['Sure', '. <', 'tool_', 'call>\n{"name": "now", ', '"arguments": {}}\n</tool', '_call>']),
        'hermes',
      ),
    );
    expect(out.text).toBe('Sure. ');
    expect(out.calls).toEqual([{ name: 'now', arguments: '{}' }]);
    expect(out.tokens).toBe(6);
    expect(out.finish).toBe('tool-calls');
    // Plain text with a lone '<' streams through unchanged and finishes with stop.
    const plain = await collect(streamToolCalls(tokens(['a < b', ' <tool', 's>']), 'hermes'));
    expect(plain).toMatchObject({ text: 'a < b <tools>', calls: [], finish: 'stop' });
  });

  it('stream Llama 3 JSON: text streams, an answer opening an object is parsed at the end', async () => {
    expect(
      await collect(streamToolCalls(tokens(['  {"name"', ': "now", "parameters": {}}']), 'llama3-json')),
    ).toMatchObject({
      text: '',
      calls: [{ name: 'now', arguments: '{}' }],
      finish: 'tool-calls',
    });
    expect(await collect(streamToolCalls(tokens(['Hi', ' there']), 'llama3-json'))).toMatchObject({
      text: 'Hi there',
      finish: 'stop',
    });
  });

  it('pick the syntax from the template, the grammar from tool_choice, and give templates OpenAI-shaped messages', () => {
    expect(toolCallSyntaxOf('{% for tool in tools %}<tool_call>{% endfor %}')).toBe('hermes');
    expect(toolCallSyntaxOf('{{- "Respond in the format {\\"name\\": ..." }}')).toBe('llama3-json');
    const tools = [{ type: 'function' as const, function: { name: 'now' } }];
    expect(toolChoiceGrammar(tools, 'auto', 'hermes')).toBeUndefined();
    expect(toolChoiceGrammar(tools, 'required', 'hermes')).toEqual({ kind: 'tool-call', tools, syntax: 'hermes' });
    expect(() => toolChoiceGrammar(tools, { type: 'function', function: { name: 'nope' } }, 'hermes')).toThrow(
      /not one of the tools/,
    );
    expect(
      templateMessages([
        { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'now', arguments: '{"z":1}' }] },
        { role: 'tool', content: '12:00', toolCallId: 'call_1' },
      ]),
    ).toEqual([
      {
        role: 'assistant',
        content: '',
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'now', arguments: { z: 1 } } }],
      },
      { role: 'tool', content: '12:00', tool_call_id: 'call_1' },
    ]);
  });
});
