import { describe, expect, it } from 'vitest';
import { validationError } from './errors.js';
import { chatMessages, completionPrompt, generationOptions } from './generation-options.js';
import { chatCompletionRequestSchema, completionRequestSchema } from './schemas.js';

describe('OpenAI request → generation options', () => {
  it('maps every sampling field to its plugin name, nulls and empty stops dropped', () => {
    const request = chatCompletionRequestSchema.parse({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 5,
      max_completion_tokens: 7,
      temperature: 0,
      top_p: 0.9,
      top_k: 40,
      min_p: 0.05,
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
      repetition_penalty: 1.1,
      seed: 3,
      stop: ['\n', ''],
      n: 1,
      user: null,
    });
    expect(generationOptions(request)).toEqual({
      maxNewTokens: 7,
      temperature: 0,
      topP: 0.9,
      topK: 40,
      minP: 0.05,
      presencePenalty: 0.5,
      frequencyPenalty: -0.5,
      repetitionPenalty: 1.1,
      seed: 3,
      stop: ['\n'],
    });
    expect(generationOptions(completionRequestSchema.parse({ model: 'm', prompt: 'x', stop: 'END', temperature: null }))).toEqual({ stop: ['END'] });
  });

  it('joins text parts, speaks developer as system, and reads every prompt form', () => {
    const request = chatCompletionRequestSchema.parse({
      model: 'm',
      messages: [
        { role: 'developer', content: 'be brief' },
        { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] },
      ],
    });
    expect(chatMessages(request)).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'ab' },
    ]);
    const prompt = (value: unknown) => completionPrompt(completionRequestSchema.parse({ model: 'm', prompt: value }));
    expect(prompt('text')).toBe('text');
    expect(prompt(['text'])).toBe('text');
    expect(prompt([1, 2])).toEqual({ inputIds: [1, 2] });
    expect(prompt([[1, 2]])).toEqual({ inputIds: [1, 2] });
  });

  it('names the bad field in param', () => {
    const param = (body: unknown) => {
      const parsed = completionRequestSchema.safeParse(body);
      return parsed.success ? 'valid' : validationError(parsed.error).param;
    };
    expect(param({ model: 'm', prompt: 'x', top_p: 2 })).toBe('top_p');
    expect(param({ model: 'm', prompt: 'x', n: 3 })).toBe('n');
    expect(param({ model: 'm', prompt: ['a', 'b'] })).toBe('prompt');
    expect(param({ prompt: 'x' })).toBe('model');
    expect(param({ model: 'm', prompt: 'x', max_tokens: 1.5 })).toBe('max_tokens');
  });
});
