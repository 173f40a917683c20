import { randomUUID } from 'node:crypto';
import type { FinishReason, GenerationUsage, ToolCall } from '@pio/core';

/** OpenAI's `usage` object. */
export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
}

/** OpenAI usage from a plugin's usage. */
export function openAIUsage(usage: GenerationUsage): OpenAIUsage {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedPromptTokens ?? 0 },
  };
}

/** OpenAI's finish_reason: `stop`, `length` or `tool_calls` (an aborted generation has no client left to tell). */
export function openAIFinishReason(reason: FinishReason): 'stop' | 'length' | 'tool_calls' {
  return reason === 'length' ? 'length' : reason === 'tool-calls' ? 'tool_calls' : 'stop';
}

/** OpenAI's `tool_calls` entry of a message (`index` added in stream chunks). */
export function openAIToolCall(call: ToolCall) {
  return { id: call.id, type: 'function' as const, function: { name: call.name, arguments: call.arguments } };
}

/** Identity shared by every object of one response. */
export interface ResponseIdentity {
  id: string;
  created: number;
  model: string;
}

/** A fresh id (`chatcmpl-…` or `cmpl-…`) and creation time for a response. */
export function responseIdentity(kind: 'chat' | 'completion', model: string): ResponseIdentity {
  const prefix = kind === 'chat' ? 'chatcmpl' : 'cmpl';
  return { id: `${prefix}-${randomUUID().replaceAll('-', '')}`, created: Math.floor(Date.now() / 1000), model };
}

/** A whole `chat.completion`. */
export function chatCompletion(
  identity: ResponseIdentity,
  text: string,
  reason: FinishReason,
  usage: GenerationUsage,
  toolCalls: readonly ToolCall[] = [],
) {
  const calls = toolCalls.length > 0 ? { tool_calls: toolCalls.map(openAIToolCall) } : {};
  return {
    ...identity,
    object: 'chat.completion' as const,
    choices: [
      {
        index: 0,
        // With tool calls, whitespace around them is not an answer: content is null, as OpenAI sends it.
        message: {
          role: 'assistant' as const,
          content: toolCalls.length > 0 && text.trim() === '' ? null : text,
          refusal: null,
          ...calls,
        },
        logprobs: null,
        finish_reason: openAIFinishReason(reason),
      },
    ],
    usage: openAIUsage(usage),
  };
}

/** One `chat.completion.chunk`; `usage` is null on every chunk but the last when the client asked for usage. */
export function chatChunk(
  identity: ResponseIdentity,
  delta: {
    role?: 'assistant';
    content?: string;
    tool_calls?: (ReturnType<typeof openAIToolCall> & { index: number })[];
  },
  reason: FinishReason | null,
  includeUsage: boolean,
) {
  return {
    ...identity,
    object: 'chat.completion.chunk' as const,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: reason === null ? null : openAIFinishReason(reason) }],
    ...(includeUsage ? { usage: null } : {}),
  };
}

/** The closing usage chunk of a stream (`choices: []`), sent when `stream_options.include_usage` is true. */
export function usageChunk(identity: ResponseIdentity, kind: 'chat' | 'completion', usage: GenerationUsage) {
  return {
    ...identity,
    object: kind === 'chat' ? ('chat.completion.chunk' as const) : ('text_completion' as const),
    choices: [],
    usage: openAIUsage(usage),
  };
}

/** A whole `text_completion`. */
export function textCompletion(identity: ResponseIdentity, text: string, reason: FinishReason, usage: GenerationUsage) {
  return {
    ...identity,
    object: 'text_completion' as const,
    choices: [{ index: 0, text, logprobs: null, finish_reason: openAIFinishReason(reason) }],
    usage: openAIUsage(usage),
  };
}

/** One streamed `text_completion` chunk. */
export function textChunk(
  identity: ResponseIdentity,
  text: string,
  reason: FinishReason | null,
  includeUsage: boolean,
) {
  return {
    ...identity,
    object: 'text_completion' as const,
    choices: [{ index: 0, text, logprobs: null, finish_reason: reason === null ? null : openAIFinishReason(reason) }],
    ...(includeUsage ? { usage: null } : {}),
  };
}
