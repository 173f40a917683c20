import type { LanguageModelV3FinishReason, LanguageModelV3Usage } from '@ai-sdk/provider';
import type { FinishReason, GenerationUsage } from '@pio/core';

/**
 * PIO's token counts in the AI SDK's shape: prompt tokens (those whose keys
 * and values were reused from the previous call as `cacheRead`) and generated
 * tokens; timings go to `raw`.
 */
export function toUsage(usage: GenerationUsage): LanguageModelV3Usage {
  const cached = usage.cachedPromptTokens ?? 0;
  return {
    inputTokens: {
      total: usage.promptTokens,
      noCache: usage.promptTokens - cached,
      cacheRead: cached,
      cacheWrite: undefined,
    },
    outputTokens: { total: usage.completionTokens, text: usage.completionTokens, reasoning: undefined },
    raw: {
      promptTokens: usage.promptTokens,
      cachedPromptTokens: cached,
      completionTokens: usage.completionTokens,
      timeToFirstTokenMs: usage.timeToFirstTokenMs,
      tokensPerSecond: usage.tokensPerSecond,
    },
  };
}

/** PIO's finish reason in the AI SDK's shape (`raw` keeps PIO's own word). */
export function toFinishReason(reason: FinishReason): LanguageModelV3FinishReason {
  return { unified: reason === 'abort' ? 'other' : reason, raw: reason };
}
