import {
  type LanguageModelV3Prompt,
  type LanguageModelV3ToolResultOutput,
  UnsupportedFunctionalityError,
} from '@ai-sdk/provider';
import type { ChatMessage } from '@pio/core';

/** The text a tool result stands for in a `tool` chat message. */
export function toolResultText(output: LanguageModelV3ToolResultOutput): string {
  switch (output.type) {
    case 'text':
    case 'error-text':
      return output.value;
    case 'json':
    case 'error-json':
      return JSON.stringify(output.value);
    case 'execution-denied':
      return output.reason ?? 'The tool call was denied.';
    case 'content':
      return output.value
        .map((part) => {
          if (part.type === 'text') return part.text;
          throw new UnsupportedFunctionalityError({ functionality: `tool results with ${part.type} parts` });
        })
        .join('');
  }
}

/**
 * The AI SDK's prompt as PIO chat messages: system, user and assistant text,
 * assistant tool calls (`toolCalls`, arguments as JSON text) and tool results
 * (one `tool` message per result, answering its call id). Reasoning parts of
 * past assistant turns are left out, as chat templates drop them.
 *
 * @throws UnsupportedFunctionalityError for file (image, audio, PDF) parts: PIO models read text only.
 */
export function toChatMessages(prompt: LanguageModelV3Prompt): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (const message of prompt) {
    switch (message.role) {
      case 'system':
        messages.push({ role: 'system', content: message.content });
        break;
      case 'user':
        messages.push({
          role: 'user',
          content: message.content
            .map((part) => {
              if (part.type === 'text') return part.text;
              throw new UnsupportedFunctionalityError({ functionality: `file parts (${part.mediaType}) in prompts` });
            })
            .join(''),
        });
        break;
      case 'assistant': {
        let content = '';
        const toolCalls: NonNullable<ChatMessage['toolCalls']>[number][] = [];
        const results: ChatMessage[] = [];
        for (const part of message.content) {
          if (part.type === 'text') content += part.text;
          else if (part.type === 'tool-call') {
            toolCalls.push({ id: part.toolCallId, name: part.toolName, arguments: JSON.stringify(part.input ?? {}) });
          } else if (part.type === 'tool-result') {
            results.push({
              role: 'tool',
              content: toolResultText(part.output),
              toolCallId: part.toolCallId,
              name: part.toolName,
            });
          } else if (part.type === 'file') {
            throw new UnsupportedFunctionalityError({ functionality: `file parts (${part.mediaType}) in prompts` });
          }
        }
        messages.push({ role: 'assistant', content, ...(toolCalls.length > 0 ? { toolCalls } : {}) }, ...results);
        break;
      }
      case 'tool':
        for (const part of message.content) {
          if (part.type !== 'tool-result') continue; // approval responses concern provider-executed tools only
          messages.push({
            role: 'tool',
            content: toolResultText(part.output),
            toolCallId: part.toolCallId,
            name: part.toolName,
          });
        }
        break;
    }
  }
  return messages;
}

/**
 * The AI SDK's prompt as one completion text, for models without a chat
 * template (base models such as `@pio/demo-model`): every message's text, in
 * order, separated by blank lines. A single user message is its text unchanged.
 *
 * @throws UnsupportedFunctionalityError for file parts, and for tool calls or results (they need a chat template).
 */
export function toCompletionText(prompt: LanguageModelV3Prompt): string {
  return toChatMessages(prompt)
    .map((message) => {
      if (message.role === 'tool' || message.toolCalls) {
        throw new UnsupportedFunctionalityError({
          functionality: 'tool calls and results with a model that has no chat template',
        });
      }
      return message.content;
    })
    .join('\n\n');
}
