import { describe, expect, it } from 'vitest';
import { toFinishReason, toUsage } from './convert-usage.js';

describe('toUsage', () => {
  it('splits the prompt into reused and new tokens and keeps the timings raw', () => {
    expect(
      toUsage({
        promptTokens: 10,
        cachedPromptTokens: 4,
        completionTokens: 5,
        timeToFirstTokenMs: 12,
        tokensPerSecond: 80,
      }),
    ).toEqual({
      inputTokens: { total: 10, noCache: 6, cacheRead: 4, cacheWrite: undefined },
      outputTokens: { total: 5, text: 5, reasoning: undefined },
      raw: {
        promptTokens: 10,
        cachedPromptTokens: 4,
        completionTokens: 5,
        timeToFirstTokenMs: 12,
        tokensPerSecond: 80,
      },
    });
  });
});

describe('toFinishReason', () => {
  it("keeps PIO's reason raw and maps an abort to other", () => {
    expect(toFinishReason('tool-calls')).toEqual({ unified: 'tool-calls', raw: 'tool-calls' });
    expect(toFinishReason('abort')).toEqual({ unified: 'other', raw: 'abort' });
  });
});
