import { InvalidArgumentError } from '@ai-sdk/provider';
import { describe, expect, it } from 'vitest';
import { toGenerateOptions } from './call-options.js';

describe('toGenerateOptions', () => {
  it('maps the sampling settings, the JSON schema, tools and the tool choice', () => {
    const signal = new AbortController().signal;
    const schema = { type: 'object', properties: { a: { type: 'integer' } }, required: ['a'] };
    const { options, warnings } = toGenerateOptions(
      {
        prompt: [],
        maxOutputTokens: 32,
        temperature: 0.7,
        topP: 0.9,
        topK: 40,
        presencePenalty: 0.1,
        frequencyPenalty: 0.2,
        seed: 7,
        stopSequences: ['\n\n'],
        responseFormat: { type: 'json', schema, name: 'thing' },
        tools: [{ type: 'function', name: 'f', description: 'does f', inputSchema: schema }],
        toolChoice: { type: 'tool', toolName: 'f' },
        providerOptions: { pio: { minP: 0.05, repetitionPenalty: 1.1, stopTokenIds: [2], truncatePrompt: true } },
      },
      signal,
    );
    expect(options).toEqual({
      maxNewTokens: 32,
      temperature: 0.7,
      topP: 0.9,
      topK: 40,
      presencePenalty: 0.1,
      frequencyPenalty: 0.2,
      seed: 7,
      stop: ['\n\n'],
      responseFormat: { type: 'json_schema', schema, name: 'thing' },
      tools: [{ type: 'function', function: { name: 'f', description: 'does f', parameters: schema } }],
      toolChoice: { type: 'function', function: { name: 'f' } },
      minP: 0.05,
      repetitionPenalty: 1.1,
      stopTokenIds: [2],
      truncatePrompt: true,
      signal,
    });
    expect(warnings).toEqual([]);
  });

  it('takes the user-agent header the AI SDK adds for granted', () => {
    expect(toGenerateOptions({ prompt: [], headers: { 'User-Agent': 'ai/6.0.325' } }).warnings).toEqual([]);
  });

  it('asks for any JSON object when there is no schema, and nothing for text', () => {
    expect(toGenerateOptions({ prompt: [], responseFormat: { type: 'json' } }).options).toEqual({
      responseFormat: { type: 'json_object' },
    });
    expect(
      toGenerateOptions({ prompt: [], responseFormat: { type: 'text' }, toolChoice: { type: 'auto' } }).options,
    ).toEqual({});
  });

  it('warns about what means nothing in process: headers, raw chunks, provider tools, unknown pio options', () => {
    const { warnings } = toGenerateOptions({
      prompt: [],
      headers: { 'x-a': '1', 'x-b': undefined },
      includeRawChunks: true,
      tools: [{ type: 'provider', id: 'openai.web_search', name: 'web_search', args: {} }],
      providerOptions: { pio: { temperatureJitter: 1 } },
    });
    expect(warnings.map((warning) => (warning.type === 'other' ? warning.message : warning.feature))).toEqual([
      'headers',
      'includeRawChunks',
      'provider tool openai.web_search',
      'providerOptions.pio.temperatureJitter',
    ]);
  });

  it('refuses a pio option of the wrong type, naming it', () => {
    expect(() => toGenerateOptions({ prompt: [], providerOptions: { pio: { minP: 'high' } } })).toThrow(
      InvalidArgumentError,
    );
    expect(() => toGenerateOptions({ prompt: [], providerOptions: { pio: { stopTokenIds: [1.5] } } })).toThrow(
      /providerOptions\.pio\.stopTokenIds/,
    );
  });
});
