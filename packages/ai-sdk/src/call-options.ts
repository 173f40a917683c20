import { InvalidArgumentError, type LanguageModelV3CallOptions, type SharedV3Warning } from '@ai-sdk/provider';
import type { ChatOptions, ResponseFormat, ToolChoice, ToolDefinition } from '@pio/core';
import type { PioCallOptions } from './model-settings.js';

/** PIO generation options for one AI SDK call, and what of the call PIO does not do. */
export interface ConvertedCallOptions {
  /** Options for the plugin's `chat`/`generate` (tools only when there are some). */
  options: ChatOptions;
  /** Warnings for settings PIO ignores. */
  warnings: SharedV3Warning[];
}

const pioOptionKeys = new Set<keyof PioCallOptions>(['minP', 'repetitionPenalty', 'stopTokenIds', 'truncatePrompt']);

function pioOptions(call: LanguageModelV3CallOptions, warnings: SharedV3Warning[]): PioCallOptions {
  const given = call.providerOptions?.pio;
  if (!given) return {};
  const options: PioCallOptions = {};
  for (const [key, value] of Object.entries(given)) {
    if (!pioOptionKeys.has(key as keyof PioCallOptions)) {
      warnings.push({
        type: 'unsupported',
        feature: `providerOptions.pio.${key}`,
        details: `PIO knows ${[...pioOptionKeys].join(', ')}.`,
      });
      continue;
    }
    const ok =
      key === 'truncatePrompt'
        ? typeof value === 'boolean'
        : key === 'stopTokenIds'
          ? Array.isArray(value) && value.every((id) => Number.isInteger(id))
          : typeof value === 'number';
    if (!ok) {
      throw new InvalidArgumentError({
        argument: `providerOptions.pio.${key}`,
        message: `providerOptions.pio.${key} is ${JSON.stringify(value)}: ${key === 'truncatePrompt' ? 'give true or false' : key === 'stopTokenIds' ? 'give an array of token ids' : 'give a number'}.`,
      });
    }
    (options as Record<string, unknown>)[key] = value;
  }
  return options;
}

function responseFormat(call: LanguageModelV3CallOptions): ResponseFormat | undefined {
  const format = call.responseFormat;
  if (!format || format.type === 'text') return undefined;
  if (!format.schema) return { type: 'json_object' };
  return {
    type: 'json_schema',
    schema: format.schema as Record<string, unknown>,
    ...(format.name ? { name: format.name } : {}),
    ...(format.description ? { description: format.description } : {}),
  };
}

function tools(call: LanguageModelV3CallOptions, warnings: SharedV3Warning[]): ToolDefinition[] {
  const definitions: ToolDefinition[] = [];
  for (const tool of call.tools ?? []) {
    if (tool.type !== 'function') {
      warnings.push({
        type: 'unsupported',
        feature: `provider tool ${tool.id}`,
        details: 'PIO runs function tools only.',
      });
      continue;
    }
    definitions.push({
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description ? { description: tool.description } : {}),
        parameters: tool.inputSchema as Record<string, unknown>,
        ...(tool.strict !== undefined ? { strict: tool.strict } : {}),
      },
    });
  }
  return definitions;
}

function toolChoice(call: LanguageModelV3CallOptions): ToolChoice | undefined {
  const choice = call.toolChoice;
  if (!choice) return undefined;
  return choice.type === 'tool' ? { type: 'function', function: { name: choice.toolName } } : choice.type;
}

/**
 * Maps the AI SDK's call options to PIO's: `maxOutputTokens` → `maxNewTokens`,
 * `stopSequences` → `stop`, temperature, topP, topK, seed and the penalties as
 * they are, `responseFormat: { type: 'json', schema }` → `json_schema`
 * (constrained decoding; without a schema `json_object`), function tools and
 * the tool choice, the abort signal, and `providerOptions.pio` (see
 * {@link PioCallOptions}). HTTP headers and raw chunks mean nothing in process:
 * they come back as warnings.
 *
 * @throws InvalidArgumentError for a malformed `providerOptions.pio` value.
 */
export function toGenerateOptions(call: LanguageModelV3CallOptions, signal?: AbortSignal): ConvertedCallOptions {
  const warnings: SharedV3Warning[] = [];
  // The AI SDK itself adds a user-agent header to every call: only the caller's own headers are worth a warning.
  const headers = Object.entries(call.headers ?? {}).filter(
    ([name, value]) => value !== undefined && name.toLowerCase() !== 'user-agent',
  );
  if (headers.length > 0) {
    warnings.push({
      type: 'unsupported',
      feature: 'headers',
      details: 'PIO runs in process: there is no HTTP request.',
    });
  }
  if (call.includeRawChunks) {
    warnings.push({ type: 'unsupported', feature: 'includeRawChunks', details: 'PIO has no raw provider chunks.' });
  }
  const format = responseFormat(call);
  const definitions = tools(call, warnings);
  const choice = toolChoice(call);
  const options: ChatOptions = {
    ...(call.maxOutputTokens !== undefined ? { maxNewTokens: call.maxOutputTokens } : {}),
    ...(call.temperature !== undefined ? { temperature: call.temperature } : {}),
    ...(call.topP !== undefined ? { topP: call.topP } : {}),
    ...(call.topK !== undefined ? { topK: call.topK } : {}),
    ...(call.presencePenalty !== undefined ? { presencePenalty: call.presencePenalty } : {}),
    ...(call.frequencyPenalty !== undefined ? { frequencyPenalty: call.frequencyPenalty } : {}),
    ...(call.seed !== undefined ? { seed: call.seed } : {}),
    ...(call.stopSequences && call.stopSequences.length > 0 ? { stop: call.stopSequences } : {}),
    ...(format ? { responseFormat: format } : {}),
    ...(definitions.length > 0 ? { tools: definitions } : {}),
    ...(definitions.length > 0 && choice ? { toolChoice: choice } : {}),
    ...pioOptions(call, warnings),
    ...(signal ? { signal } : {}),
  };
  return { options, warnings };
}
