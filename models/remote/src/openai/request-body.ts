import type { ChatMessage, ChatOptions, GenerateOptions, Prompt } from '@pio/core';
import { RemoteUnsupportedError } from '../errors/remote-unsupported-error.js';

/**
 * The OpenAI request fields of generation options. Standard fields keep their
 * OpenAI names; `top_k`, `min_p`, `repetition_penalty` and `stop_token_ids`
 * (vLLM, llama.cpp server and pio serve read them) are sent only when set.
 * Fields left out fall to the server's defaults.
 *
 * @throws RemoteUnsupportedError for `truncatePrompt` (the protocol has no way to say it).
 */
export function samplingFields(options: GenerateOptions): Record<string, unknown> {
  if (options.truncatePrompt) {
    throw new RemoteUnsupportedError({
      operation: 'truncate a prompt',
      reason: 'the OpenAI protocol has no option for it and the prompt is tokenized by the server',
      hint: 'Shorten the prompt yourself, or leave truncatePrompt out.',
    });
  }
  const body: Record<string, unknown> = {};
  const set = (key: string, value: unknown) => {
    if (value !== undefined) body[key] = value;
  };
  set('max_tokens', options.maxNewTokens);
  set('temperature', options.temperature);
  set('top_p', options.topP);
  set('top_k', options.topK);
  set('min_p', options.minP);
  set('repetition_penalty', options.repetitionPenalty);
  set('presence_penalty', options.presencePenalty);
  set('frequency_penalty', options.frequencyPenalty);
  set('seed', options.seed);
  if (options.stop && options.stop.length > 0) body.stop = [...options.stop];
  if (options.stopTokenIds && options.stopTokenIds.length > 0) body.stop_token_ids = [...options.stopTokenIds];
  const format = options.responseFormat;
  if (format && format.type === 'json_schema') {
    body.response_format = {
      type: 'json_schema',
      json_schema: {
        name: format.name ?? 'response',
        schema: format.schema,
        ...(format.description ? { description: format.description } : {}),
        ...(format.strict === undefined ? {} : { strict: format.strict }),
      },
    };
  } else if (format && format.type === 'json_object') body.response_format = { type: 'json_object' };
  return body;
}

/** The body of a streamed `POST /v1/completions`. */
export function completionBody(model: string, prompt: Prompt, options: GenerateOptions): Record<string, unknown> {
  return {
    model,
    prompt: typeof prompt === 'string' ? prompt : [...prompt.inputIds],
    ...samplingFields(options),
    stream: true,
    stream_options: { include_usage: true },
  };
}

/** The body of a streamed `POST /v1/chat/completions`; tools and `tool_choice` go as OpenAI has them. */
export function chatBody(
  model: string,
  messages: readonly ChatMessage[],
  options: ChatOptions,
): Record<string, unknown> {
  return {
    model,
    messages: messages.map(openAIMessage),
    ...samplingFields(options),
    ...(options.tools && options.tools.length > 0 ? { tools: options.tools } : {}),
    ...(options.toolChoice ? { tool_choice: options.toolChoice } : {}),
    // vLLM's extension; other servers ignore it.
    ...(options.chatTemplate ? { chat_template: options.chatTemplate } : {}),
    stream: true,
    stream_options: { include_usage: true },
  };
}

function openAIMessage(message: ChatMessage): Record<string, unknown> {
  return {
    role: message.role,
    content: message.content,
    ...(message.toolCalls && message.toolCalls.length > 0
      ? {
          tool_calls: message.toolCalls.map((call) => ({
            id: call.id,
            type: 'function',
            function: { name: call.name, arguments: call.arguments },
          })),
        }
      : {}),
    ...(message.toolCallId ? { tool_call_id: message.toolCallId } : {}),
    ...(message.name ? { name: message.name } : {}),
  };
}
