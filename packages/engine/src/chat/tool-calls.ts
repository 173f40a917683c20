import { randomBytes } from 'node:crypto';
import type { ChatMessage, GenerationDelta, ToolCall, ToolChoice, ToolDefinition } from '@pio/core';
import { GrammarError, type GrammarSpec, type ToolCallSyntax } from '@pio/grammar';

const open = '<tool_call>';
const close = '</tool_call>';

/**
 * How the chat template asks the model to write tool calls: `hermes` when it
 * mentions `<tool_call>` (Qwen2.5/Qwen3, Hermes), else a bare JSON object
 * (`llama3-json`: Llama 3.1–3.3).
 */
export function toolCallSyntaxOf(template: string | undefined): ToolCallSyntax {
  return template?.includes(open) ? 'hermes' : 'llama3-json';
}

/** A fresh tool call id: `call_` and 24 random letters and digits. */
export function newToolCallId(): string {
  return `call_${randomBytes(18).toString('base64url').replace(/[-_]/g, 'x').slice(0, 24)}`;
}

/**
 * Messages in the shape chat templates read (OpenAI's): an assistant's
 * `tool_calls` with `function.arguments` as an object, a tool message's
 * `tool_call_id`.
 */
export function templateMessages(messages: readonly ChatMessage[]): Record<string, unknown>[] {
  return messages.map(({ toolCalls, toolCallId, ...message }) => ({
    ...message,
    ...(toolCalls && toolCalls.length > 0
      ? {
          tool_calls: toolCalls.map((call) => ({
            id: call.id,
            type: 'function',
            function: { name: call.name, arguments: parseArguments(call.arguments) },
          })),
        }
      : {}),
    ...(toolCallId !== undefined ? { tool_call_id: toolCallId } : {}),
  }));
}

function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The grammar that `toolChoice` asks for: one call to any tool (`required`)
 * or to the named one, so the call always parses and matches the tool's
 * parameters; `undefined` for `auto` and `none`.
 *
 * @throws GrammarError when a named tool is not among `tools`.
 */
export function toolChoiceGrammar(
  tools: readonly ToolDefinition[],
  choice: ToolChoice | undefined,
  syntax: ToolCallSyntax,
): GrammarSpec | undefined {
  if (choice === undefined || choice === 'auto' || choice === 'none') return undefined;
  if (choice === 'required') return { kind: 'tool-call', tools, syntax };
  const tool = tools.find((candidate) => candidate.function.name === choice.function.name);
  if (!tool) {
    throw new GrammarError({
      source: 'tools',
      reason: `tool_choice names "${choice.function.name}", which is not one of the tools (${tools.map((t) => t.function.name).join(', ')}).`,
      hint: 'Name one of the tools given in the same request.',
    });
  }
  return { kind: 'tool-call', tools: [tool], syntax };
}

/** One tool call parsed from the text of a call (`{"name": ..., "arguments"|"parameters": {...}}`), or undefined. */
export function parseToolCall(text: string): ToolCall | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text.trim());
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const { name, arguments: args, parameters } = value as Record<string, unknown>;
  if (typeof name !== 'string' || name.length === 0) return undefined;
  const body = args ?? parameters ?? {};
  return { id: newToolCallId(), name, arguments: typeof body === 'string' ? body : JSON.stringify(body) };
}

/**
 * Parses a whole answer: the text around the calls and the calls, for the
 * model's `syntax`. Hermes: every `<tool_call>...</tool_call>` block; Llama 3
 * JSON: the whole answer when it is one call object (optionally after
 * `<|python_tag|>`), else plain text.
 */
export function parseToolCalls(text: string, syntax: ToolCallSyntax): { text: string; toolCalls: ToolCall[] } {
  const toolCalls: ToolCall[] = [];
  if (syntax === 'llama3-json') {
    const call = parseToolCall(text.replace(/^\s*<\|python_tag\|>/, ''));
    return call ? { text: '', toolCalls: [call] } : { text, toolCalls };
  }
  let rest = text;
  let outside = '';
  for (;;) {
    const start = rest.indexOf(open);
    const end = start < 0 ? -1 : rest.indexOf(close, start);
    if (end < 0) break;
    const call = parseToolCall(rest.slice(start + open.length, end));
    outside += rest.slice(0, start);
    if (call) toolCalls.push(call);
    else outside += rest.slice(start, end + close.length);
    rest = rest.slice(end + close.length);
  }
  return { text: outside + rest, toolCalls };
}

/**
 * Turns a chat stream into text and `tool-call` deltas: the markup of a call
 * is held back (its tokens come through with empty text) and each complete
 * call becomes one `tool-call` delta; a stream that made calls finishes with
 * `finishReason: 'tool-calls'`. Text is delayed only while it may still be
 * the start of a call.
 */
export async function* streamToolCalls(
  deltas: AsyncIterable<GenerationDelta>,
  syntax: ToolCallSyntax,
): AsyncGenerator<GenerationDelta> {
  let pending = '';
  let calls = 0;
  // llama3-json: undecided until the first non-space character; a call when it opens an object.
  let mode: 'undecided' | 'text' | 'call' = syntax === 'llama3-json' ? 'undecided' : 'text';
  for await (const delta of deltas) {
    if (delta.type === 'tool-call') {
      yield delta;
      continue;
    }
    if (delta.type === 'finish') {
      const parsed = parseToolCalls(pending + delta.text, syntax);
      for (const toolCall of parsed.toolCalls) yield { type: 'tool-call', text: '', toolCall };
      calls += parsed.toolCalls.length;
      const finishReason = calls > 0 && delta.finishReason === 'stop' ? 'tool-calls' : delta.finishReason;
      yield { ...delta, text: parsed.text, finishReason };
      return;
    }
    pending += delta.text;
    if (syntax === 'llama3-json') {
      if (mode === 'undecided' && pending.trim().length > 0) {
        mode = /^\s*(\{|<\|python_tag\|>)/.test(pending) ? 'call' : 'text';
      }
      if (mode === 'text') {
        yield { ...delta, text: pending };
        pending = '';
      } else yield { ...delta, text: '' };
      continue;
    }
    // Hermes: emit text up to a possible call start; parse each complete call.
    let text = '';
    const found: ToolCall[] = [];
    for (;;) {
      const start = pending.indexOf(open);
      if (start < 0) {
        const keep = heldBack(pending);
        text += pending.slice(0, pending.length - keep);
        pending = pending.slice(pending.length - keep);
        break;
      }
      text += pending.slice(0, start);
      pending = pending.slice(start);
      const end = pending.indexOf(close);
      if (end < 0) break;
      const call = parseToolCall(pending.slice(open.length, end));
      if (call) found.push(call);
      else text += pending.slice(0, end + close.length);
      pending = pending.slice(end + close.length);
    }
    yield { ...delta, text };
    for (const toolCall of found) yield { type: 'tool-call', text: '', toolCall };
    calls += found.length;
  }
}

// Length of the longest end of `text` that could begin `<tool_call>`.
function heldBack(text: string): number {
  for (let length = Math.min(open.length - 1, text.length); length > 0; length--) {
    if (open.startsWith(text.slice(text.length - length))) return length;
  }
  return 0;
}
