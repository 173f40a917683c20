import { Template } from '@huggingface/jinja';
import type { ChatMessage } from '@pio/core';
import { ChatTemplateError } from './chat-template-error.js';

/** What {@link renderChat} needs. */
export interface RenderChatOptions {
  /** The Jinja template: the caller's, or `chat_template` of tokenizer_config.json. */
  template: string | undefined;
  /** Where the template came from, for errors (for example the tokenizer_config.json path). */
  source?: string;
  /** Special tokens the template may use. */
  bosToken?: string;
  /** Special tokens the template may use. */
  eosToken?: string;
  /** Tool definitions, passed through as `tools`. */
  tools?: readonly unknown[];
  /** Append the assistant turn's opening. Default true. */
  addGenerationPrompt?: boolean;
  /** Extra variables for the template (for example Qwen3's `enable_thinking`). */
  variables?: Record<string, unknown>;
}

/**
 * Renders chat messages to the prompt text a model was trained on, with its
 * Jinja chat template (`@huggingface/jinja`, the renderer transformers.js uses).
 *
 * @throws ChatTemplateError when there is no template or it fails to render.
 */
export function renderChat(messages: readonly ChatMessage[], options: RenderChatOptions): string {
  if (!options.template) {
    throw new ChatTemplateError({
      reason: `the model has no chat template${options.source ? ` (no "chat_template" in ${options.source})` : ''}`,
    });
  }
  let template: Template;
  try {
    template = new Template(options.template);
  } catch (cause) {
    throw new ChatTemplateError({ reason: `the chat template does not parse: ${(cause as Error).message}`, cause });
  }
  try {
    return template.render({
      messages: messages.map((message) => ({ ...message })),
      add_generation_prompt: options.addGenerationPrompt ?? true,
      bos_token: options.bosToken ?? '',
      eos_token: options.eosToken ?? '',
      ...(options.tools ? { tools: options.tools } : {}),
      ...(options.variables ?? {}),
    });
  } catch (cause) {
    throw new ChatTemplateError({
      reason: `the chat template failed on these messages: ${(cause as Error).message}`,
      hint: 'Check the message roles and order the template expects (many require alternating user/assistant turns).',
      cause,
    });
  }
}
