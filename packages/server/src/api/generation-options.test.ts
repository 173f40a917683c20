import { describe, expect, it } from 'vitest';
import { ApiError, validationError } from './errors.js';
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
    expect(
      generationOptions(completionRequestSchema.parse({ model: 'm', prompt: 'x', stop: 'END', temperature: null })),
    ).toEqual({ stop: ['END'] });
  });

  it('joins text parts, speaks developer as system, and reads every prompt form', () => {
    const request = chatCompletionRequestSchema.parse({
      model: 'm',
      messages: [
        { role: 'developer', content: 'be brief' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a' },
            { type: 'text', text: 'b' },
          ],
        },
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
    // top_p 0 would keep no token: refused here rather than by the sampler after the request was queued.
    expect(param({ model: 'm', prompt: 'x', top_p: 0 })).toBe('top_p');
    expect(param({ model: 'm', prompt: 'x', n: 3 })).toBe('n');
    expect(param({ model: 'm', prompt: ['a', 'b'] })).toBe('prompt');
    expect(param({ prompt: 'x' })).toBe('model');
    expect(param({ model: 'm', prompt: 'x', max_tokens: 1.5 })).toBe('max_tokens');
  });

  it('refuses an empty prompt and token ids outside the vocabulary with a 400 on prompt', () => {
    const refusal = (value: unknown, vocabSize?: number) => {
      try {
        completionPrompt(completionRequestSchema.parse({ model: 'm', prompt: value }), vocabSize);
        return 'accepted';
      } catch (error) {
        expect(error).toBeInstanceOf(ApiError);
        return error as ApiError;
      }
    };
    for (const empty of ['', ['']])
      expect(refusal(empty)).toMatchObject({ status: 400, param: 'prompt', type: 'invalid_request_error' });
    const outside = refusal([1, 2, 1000], 1000);
    expect(outside).toMatchObject({ status: 400, param: 'prompt' });
    expect((outside as ApiError).message).toContain('token id 1000 (at index 2)');
    expect(refusal([[5, 999]], 1000)).toBe('accepted');
    expect(refusal([999_999])).toBe('accepted'); // no vocabulary size known: the engine decides
  });

  it('sends no max_tokens of its own when the client gave none (the engine fits the default to the context)', () => {
    expect(generationOptions(completionRequestSchema.parse({ model: 'm', prompt: 'x' }))).not.toHaveProperty(
      'maxNewTokens',
    );
    expect(
      generationOptions(
        chatCompletionRequestSchema.parse({ model: 'm', messages: [{ role: 'user', content: 'x' }], max_tokens: null }),
      ),
    ).toEqual({});
  });
});
