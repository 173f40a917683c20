import type { FinishReason, GenerationDelta, GenerationUsage, ToolCall } from '@pio/core';
import { RemoteProtocolError } from '../errors/remote-protocol-error.js';

/**
 * The token id of every `token` delta of a remote model: the OpenAI protocol
 * streams text, not token ids, so each streamed piece of text is one delta
 * with this id.
 */
export const remoteTokenId = -1;

/** Where the chunks come from, for errors. */
export interface ChunkSource {
  baseUrl: string;
  path: string;
}

/**
 * Turns the chunks of an OpenAI stream (`text_completion` or
 * `chat.completion.chunk`) into PIO deltas: a `token` delta per non-empty
 * piece of text, `tool-call` deltas for the tool calls assembled from their
 * streamed pieces, then one `finish` delta with the server's usage (when it
 * sent one: `stream_options.include_usage`; else the pieces counted) and
 * times measured here. An aborted `signal` ends the stream with
 * `finishReason: 'abort'`.
 *
 * @throws RemoteProtocolError when the stream ends without a finish_reason.
 */
export async function* streamDeltas(
  chunks: AsyncIterable<Record<string, unknown>>,
  source: ChunkSource,
  signal: AbortSignal | undefined,
  started: number = performance.now(),
): AsyncGenerator<GenerationDelta> {
  let firstAt: number | undefined;
  let pieces = 0;
  let reason: FinishReason | undefined;
  let serverUsage: Record<string, unknown> | undefined;
  const calls = new Map<number, { id: string; name: string; arguments: string }>();
  const finish = (finishReason: FinishReason): GenerationDelta => ({
    type: 'finish',
    text: '',
    finishReason,
    usage: usageOf(serverUsage, pieces, started, firstAt),
  });
  if (signal?.aborted) {
    yield finish('abort');
    return;
  }
  try {
    for await (const chunk of chunks) {
      if (isRecord(chunk.usage)) serverUsage = chunk.usage;
      const choice = Array.isArray(chunk.choices)
        ? (chunk.choices[0] as Record<string, unknown> | undefined)
        : undefined;
      if (!choice) continue;
      const delta = isRecord(choice.delta) ? choice.delta : undefined;
      const text =
        typeof choice.text === 'string' ? choice.text : typeof delta?.content === 'string' ? delta.content : '';
      if (text !== '') {
        firstAt ??= performance.now();
        pieces++;
        yield { type: 'token', tokenId: remoteTokenId, text };
      }
      if (Array.isArray(delta?.tool_calls)) collectToolCalls(calls, delta.tool_calls);
      if (typeof choice.finish_reason === 'string') reason = finishReasonOf(choice.finish_reason);
      if (signal?.aborted) break;
    }
  } catch (error) {
    if (!signal?.aborted) throw error;
  }
  if (signal?.aborted) {
    yield finish('abort');
    return;
  }
  if (reason === undefined) {
    throw new RemoteProtocolError({ ...source, reason: 'the stream ended before any choice gave a finish_reason' });
  }
  for (const [, call] of [...calls].sort(([a], [b]) => a - b)) {
    const toolCall: ToolCall = { id: call.id, name: call.name, arguments: call.arguments };
    yield { type: 'tool-call', text: '', toolCall };
  }
  yield finish(calls.size > 0 ? 'tool-calls' : reason);
}

function collectToolCalls(
  calls: Map<number, { id: string; name: string; arguments: string }>,
  pieces: unknown[],
): void {
  for (const piece of pieces) {
    if (!isRecord(piece)) continue;
    const index = typeof piece.index === 'number' ? piece.index : calls.size;
    const call = calls.get(index) ?? { id: '', name: '', arguments: '' };
    if (typeof piece.id === 'string') call.id = piece.id;
    const fn = isRecord(piece.function) ? piece.function : {};
    if (typeof fn.name === 'string') call.name += fn.name;
    if (typeof fn.arguments === 'string') call.arguments += fn.arguments;
    calls.set(index, call);
  }
}

function finishReasonOf(reason: string): FinishReason {
  if (reason === 'length') return 'length';
  if (reason === 'tool_calls' || reason === 'function_call') return 'tool-calls';
  return 'stop';
}

function usageOf(
  server: Record<string, unknown> | undefined,
  pieces: number,
  started: number,
  firstAt: number | undefined,
): GenerationUsage {
  const now = performance.now();
  const completionTokens = typeof server?.completion_tokens === 'number' ? server.completion_tokens : pieces;
  const cached = isRecord(server?.prompt_tokens_details) ? server.prompt_tokens_details.cached_tokens : undefined;
  const decodeSeconds = firstAt === undefined ? 0 : (now - firstAt) / 1000;
  return {
    promptTokens: typeof server?.prompt_tokens === 'number' ? server.prompt_tokens : 0,
    ...(typeof cached === 'number' ? { cachedPromptTokens: cached } : {}),
    completionTokens,
    timeToFirstTokenMs: (firstAt ?? now) - started,
    tokensPerSecond: completionTokens > 1 && decodeSeconds > 0 ? (completionTokens - 1) / decodeSeconds : 0,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
