import type { FinishReason, GenerationDelta, GenerationUsage, ToolCall } from '@pio/core';
import type { FastifyReply } from 'fastify';
import type { GenerationInput, ModelRunner } from '../model-runner.js';
import type { WorkerGenerateOptions } from '../protocol.js';
import { ApiError, toApiError } from './errors.js';
import {
  chatChunk,
  chatCompletion,
  openAIToolCall,
  type ResponseIdentity,
  responseIdentity,
  textChunk,
  textCompletion,
  usageChunk,
} from './responses.js';

/** One generation request, parsed and validated. */
export interface GenerationCall {
  kind: 'chat' | 'completion';
  runner: ModelRunner;
  input: GenerationInput;
  options: WorkerGenerateOptions;
  stream: boolean;
  includeUsage: boolean;
}

/**
 * Runs a generation for one HTTP request and writes the response: one JSON
 * object, or server-sent events ending with `data: [DONE]`. The response
 * starts only once the worker has accepted the prompt (so a prompt over the
 * context is still a 400); a client that goes away aborts the generation.
 */
export async function serveGeneration(reply: FastifyReply, call: GenerationCall): Promise<unknown> {
  const controller = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  const iterator = call.runner.generate(call.input, call.options, controller.signal)[Symbol.asyncIterator]();
  const identity = responseIdentity(call.kind, call.runner.id);
  let first: IteratorResult<GenerationDelta>;
  try {
    first = await iterator.next();
  } catch (error) {
    throw toApiError(error, call.kind === 'chat' ? 'messages' : 'prompt');
  }
  if (first.done) {
    // Aborted while waiting in the queue: nobody is listening.
    return reply.hijack();
  }
  if (!call.stream) {
    let text = '';
    const toolCalls: ToolCall[] = [];
    let delta = first.value;
    for (;;) {
      text += delta.text;
      if (delta.type === 'tool-call') toolCalls.push(delta.toolCall);
      if (delta.type === 'finish' && delta.finishReason === 'abort' && !controller.signal.aborted) throw shuttingDown();
      if (delta.type === 'finish') {
        return call.kind === 'chat'
          ? chatCompletion(identity, text, delta.finishReason, delta.usage, toolCalls)
          : textCompletion(identity, text, delta.finishReason, delta.usage);
      }
      const next = await iterator.next();
      if (next.done) return reply.hijack();
      delta = next.value;
    }
  }
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const send = (data: unknown) => {
    if (!raw.destroyed) raw.write(`data: ${JSON.stringify(data)}\n\n`);
  };
  const events = new SseEvents(call, identity, send);
  try {
    events.start();
    let delta: GenerationDelta | undefined = first.value;
    while (delta) {
      if (delta.type === 'finish' && delta.finishReason === 'abort' && !controller.signal.aborted) throw shuttingDown();
      events.delta(delta);
      if (delta.type === 'finish' || controller.signal.aborted) break;
      const next = await iterator.next();
      delta = next.done ? undefined : next.value;
    }
    if (!raw.destroyed) raw.write('data: [DONE]\n\n');
  } catch (error) {
    send(toApiError(error).toBody());
  }
  raw.end();
  return reply;
}

/** The generation was stopped by the server (closing), not by the client: not a complete answer. */
function shuttingDown(): ApiError {
  return new ApiError({
    status: 503,
    message: 'The server is shutting down: the generation was stopped.',
    code: 'server_shutdown',
  });
}

/** Turns deltas into OpenAI stream chunks for one response. */
class SseEvents {
  constructor(
    private readonly call: GenerationCall,
    private readonly identity: ResponseIdentity,
    private readonly send: (data: unknown) => void,
  ) {}

  start(): void {
    if (this.call.kind === 'chat')
      this.send(chatChunk(this.identity, { role: 'assistant', content: '' }, null, this.call.includeUsage));
  }

  private toolCalls = 0;

  delta(delta: GenerationDelta): void {
    if (delta.type === 'tool-call') {
      // One chunk per call, with its whole arguments (OpenAI clients accumulate by index either way).
      const toolCall = { index: this.toolCalls++, ...openAIToolCall(delta.toolCall) };
      this.send(chatChunk(this.identity, { tool_calls: [toolCall] }, null, this.call.includeUsage));
      return;
    }
    if (delta.text !== '') this.content(delta.text, null);
    if (delta.type === 'finish') this.finish(delta.finishReason, delta.usage);
  }

  private content(text: string, reason: FinishReason | null): void {
    if (this.call.kind === 'chat')
      this.send(chatChunk(this.identity, { content: text }, reason, this.call.includeUsage));
    else this.send(textChunk(this.identity, text, reason, this.call.includeUsage));
  }

  private finish(reason: FinishReason, usage: GenerationUsage): void {
    if (this.call.kind === 'chat') this.send(chatChunk(this.identity, {}, reason, this.call.includeUsage));
    else this.send(textChunk(this.identity, '', reason, this.call.includeUsage));
    if (this.call.includeUsage) this.send(usageChunk(this.identity, this.call.kind, usage));
  }
}
