import { ContextLengthError } from '@pio/core';
import { describe, expect, it } from 'vitest';
import { contextLengthFromMessage } from './context-length-from-message.js';
import { parseRetryAfter } from './retry-after.js';

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP dates', () => {
    const now = Date.parse('Wed, 02 Dec 2026 12:00:00 GMT');
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('0.25', now)).toBe(250);
    expect(parseRetryAfter('Wed, 02 Dec 2026 12:00:03 GMT', now)).toBe(3000);
    expect(parseRetryAfter('Wed, 02 Dec 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

describe('contextLengthFromMessage', () => {
  it("reads the numbers of PIO's, vLLM's, TGI's and llama.cpp's answers", () => {
    const read = (message: string, fields?: Record<string, unknown>) => {
      const error = contextLengthFromMessage(message, fields);
      return error && ContextLengthError.isInstance(error)
        ? [error.promptTokens, error.maxNewTokens, error.contextLength]
        : undefined;
    };
    expect(
      read('The prompt has 300 tokens and 10 more were asked for: 310 > the context length of 256 tokens.'),
    ).toEqual([300, 10, 256]);
    expect(
      read(
        "This model's maximum context length is 2048 tokens. However, you requested 2100 tokens (100 in the messages, 2000 in the completion). Please reduce the length.",
      ),
    ).toEqual([100, 2000, 2048]);
    expect(
      read(
        'Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: 4000 `inputs` tokens and 200 `max_new_tokens`',
      ),
    ).toEqual([4000, 200, 4096]);
    expect(read('the request exceeds the available context size', { n_prompt_tokens: 5000, n_ctx: 4096 })).toEqual([
      5000, 0, 4096,
    ]);
    expect(read('temperature must be positive')).toBeUndefined();
  });
});
