import type { ChatMessage, ChatOptions } from '@pio/core';
import type { GrammarSpec, ToolCallSyntax } from '@pio/grammar';
import { renderChat } from '../chat/render-chat.js';
import { templateMessages, toolCallSyntaxOf, toolChoiceGrammar } from '../chat/tool-calls.js';
import type { TextTokenizer } from '../tokenizer/text-tokenizer.js';

/** What {@link chatPrompt} makes of a conversation. */
export interface ChatPrompt {
  /** The rendered conversation's token ids (the template writes the special tokens, BOS included). */
  inputIds: number[];
  /** The grammar of a required or named tool call (`toolChoice`); `undefined` when the model may answer freely. */
  grammar: GrammarSpec | undefined;
  /** How the model writes tool calls, when tools are offered: its output is then parsed for them. */
  toolSyntax: ToolCallSyntax | undefined;
}

/**
 * Renders `messages` with the model's chat template (`chat_template` of
 * tokenizer_config.json) or `options.chatTemplate`, offering `options.tools`
 * unless `toolChoice` is `none`, and tokenizes the result.
 *
 * @param source the template's file, for messages
 * @throws ChatTemplateError when there is no template or it fails on the messages.
 * @throws GrammarError when `toolChoice` names a tool that is not among the tools.
 */
export function chatPrompt(
  messages: readonly ChatMessage[],
  options: ChatOptions,
  tokenizer: TextTokenizer,
  source?: string,
): ChatPrompt {
  const template = options.chatTemplate ?? tokenizer.chatTemplate;
  // tool_choice none renders no tools; auto lets the model choose; required/named constrain one call by grammar.
  const tools = options.tools && options.tools.length > 0 && options.toolChoice !== 'none' ? options.tools : undefined;
  const syntax = toolCallSyntaxOf(template);
  const text = renderChat(templateMessages(messages) as unknown as ChatMessage[], {
    template,
    ...(source !== undefined ? { source } : {}),
    ...(tokenizer.bosToken !== undefined ? { bosToken: tokenizer.bosToken } : {}),
    ...(tokenizer.eosToken !== undefined ? { eosToken: tokenizer.eosToken } : {}),
    ...(tools ? { tools } : {}),
  });
  const grammar = tools ? toolChoiceGrammar(tools, options.toolChoice, syntax) : undefined;
  return {
    inputIds: tokenizer.encode(text, { addSpecialTokens: false }),
    grammar,
    toolSyntax: tools ? syntax : undefined,
  };
}
