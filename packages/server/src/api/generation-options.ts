import type { ChatMessage, ResponseFormat, ToolDefinition } from '@pio/core';
import type { WorkerGenerateOptions } from '../protocol.js';
import { ApiError } from './errors.js';
import type { ChatCompletionRequest, CompletionRequest } from './schemas.js';

/**
 * The plugin's generation options for an OpenAI request. Fields left out
 * (or null) fall back to the checkpoint's generation_config.json, as
 * `pio run` does: greedy unless it sets `do_sample`.
 */
export function generationOptions(request: ChatCompletionRequest | CompletionRequest): WorkerGenerateOptions {
  const options: WorkerGenerateOptions = {};
  const maxTokens =
    ('max_completion_tokens' in request ? request.max_completion_tokens : undefined) ?? request.max_tokens;
  if (maxTokens != null) options.maxNewTokens = maxTokens;
  if (request.temperature != null) options.temperature = request.temperature;
  if (request.top_p != null) options.topP = request.top_p;
  if (request.top_k != null) options.topK = request.top_k;
  if (request.min_p != null) options.minP = request.min_p;
  if (request.presence_penalty != null) options.presencePenalty = request.presence_penalty;
  if (request.frequency_penalty != null) options.frequencyPenalty = request.frequency_penalty;
  if (request.repetition_penalty != null) options.repetitionPenalty = request.repetition_penalty;
  if (request.seed != null) options.seed = request.seed;
  const responseFormat = responseFormatOf(request.response_format);
  if (responseFormat) options.responseFormat = responseFormat;
  if ('tools' in request && request.tools && request.tools.length > 0) {
    options.tools = request.tools.map(toolDefinition);
    if (request.tool_choice != null) options.toolChoice = request.tool_choice;
  }
  if (request.stop != null) {
    const stop = (typeof request.stop === 'string' ? [request.stop] : request.stop).filter((text) => text !== '');
    if (stop.length > 0) options.stop = stop;
  }
  return options;
}

/**
 * Chat messages as templates expect them: text parts joined, `developer`
 * spoken as `system`, an assistant's `tool_calls` and a tool's `tool_call_id` kept.
 */
export function chatMessages(request: ChatCompletionRequest): ChatMessage[] {
  return request.messages.map((message) => ({
    role: message.role === 'developer' ? 'system' : message.role,
    content:
      typeof message.content === 'string' ? message.content : (message.content ?? []).map((part) => part.text).join(''),
    ...(message.tool_calls && message.tool_calls.length > 0
      ? {
          toolCalls: message.tool_calls.map((call) => ({
            id: call.id,
            name: call.function.name,
            arguments: call.function.arguments,
          })),
        }
      : {}),
    ...(message.tool_call_id != null ? { toolCallId: message.tool_call_id } : {}),
    ...(message.name != null ? { name: message.name } : {}),
  }));
}

type RequestResponseFormat = ChatCompletionRequest['response_format'];

/** The library's response format for OpenAI's `response_format` (`json_schema` without a schema is any object). */
function responseFormatOf(format: RequestResponseFormat): ResponseFormat | undefined {
  if (!format || format.type === 'text') return undefined;
  if (format.type === 'json_object') return { type: 'json_object' };
  const { schema, name, description, strict } = format.json_schema;
  if (!schema) return { type: 'json_object' };
  return {
    type: 'json_schema',
    schema,
    ...(name != null ? { name } : {}),
    ...(description != null ? { description } : {}),
    ...(strict != null ? { strict } : {}),
  };
}

function toolDefinition(tool: NonNullable<ChatCompletionRequest['tools']>[number]): ToolDefinition {
  const { name, description, parameters, strict } = tool.function;
  return {
    type: 'function',
    function: {
      name,
      ...(description != null ? { description } : {}),
      ...(parameters != null ? { parameters } : {}),
      ...(strict != null ? { strict } : {}),
    },
  };
}

/**
 * The prompt of a completion request: text, or token ids.
 *
 * @param vocabSize - The model's vocabulary size, when known: token ids must be below it.
 * @throws ApiError (400, `param: 'prompt'`) for an empty prompt or a token id outside the vocabulary.
 */
export function completionPrompt(request: CompletionRequest, vocabSize?: number): string | { inputIds: number[] } {
  const prompt = toPrompt(request.prompt);
  if (typeof prompt === 'string') {
    if (prompt === '') {
      throw new ApiError({
        status: 400,
        message: 'prompt: must not be empty; send at least one character (or token id).',
        param: 'prompt',
        code: 'invalid_value',
      });
    }
    return prompt;
  }
  if (vocabSize !== undefined) {
    const index = prompt.inputIds.findIndex((id) => id >= vocabSize);
    if (index >= 0) {
      throw new ApiError({
        status: 400,
        message: `prompt: token id ${prompt.inputIds[index]} (at index ${index}) is not in the vocabulary of "${request.model}", whose ids go from 0 to ${vocabSize - 1}.`,
        param: 'prompt',
        code: 'invalid_value',
      });
    }
  }
  return prompt;
}

function toPrompt(prompt: CompletionRequest['prompt']): string | { inputIds: number[] } {
  if (typeof prompt === 'string') return prompt;
  const first = prompt[0];
  if (typeof first === 'string') return first;
  if (Array.isArray(first)) return { inputIds: first };
  return { inputIds: prompt as number[] };
}
