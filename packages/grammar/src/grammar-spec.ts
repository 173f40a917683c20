import type { JsonSchema, ResponseFormat, ToolDefinition } from '@pio/core';

/**
 * How a model writes one tool call:
 * - `hermes`: `<tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call>` (Qwen2.5/Qwen3, Hermes);
 * - `llama3-json`: a bare `{"name": ..., "parameters": {...}}` (Llama 3.1–3.3 JSON tool calling).
 */
export type ToolCallSyntax = 'hermes' | 'llama3-json';

/** What output a grammar allows. */
export type GrammarSpec =
  | {
      /** JSON that validates against `schema`. */
      kind: 'json-schema';
      /** The schema. */
      schema: JsonSchema;
      /** Forbid properties the schema does not list when it says nothing of `additionalProperties` (default true). */
      strict?: boolean;
    }
  | {
      /** Any JSON object. */
      kind: 'json-object';
    }
  | {
      /** Exactly one call to one of `tools`, in `syntax`, its arguments valid against the tool's `parameters`. */
      kind: 'tool-call';
      /** The tools that may be called (one for a named `tool_choice`). */
      tools: readonly ToolDefinition[];
      /** How the model writes a call. */
      syntax: ToolCallSyntax;
    };

/** The grammar of a response format, or `undefined` for free text. */
export function grammarForResponseFormat(format: ResponseFormat | undefined): GrammarSpec | undefined {
  if (!format || format.type === 'text') return undefined;
  if (format.type === 'json_object') return { kind: 'json-object' };
  return {
    kind: 'json-schema',
    schema: format.schema,
    ...(format.strict !== undefined ? { strict: format.strict } : {}),
  };
}

/** The JSON Schema of one call object of `syntax` (`{name, arguments}` or `{name, parameters}`). */
export function toolCallSchema(tools: readonly ToolDefinition[], syntax: ToolCallSyntax): JsonSchema {
  const argumentsKey = syntax === 'hermes' ? 'arguments' : 'parameters';
  const calls = tools.map((tool) => ({
    type: 'object',
    properties: {
      name: { const: tool.function.name },
      [argumentsKey]: tool.function.parameters ?? { type: 'object' },
    },
    required: ['name', argumentsKey],
    additionalProperties: false,
  }));
  return calls.length === 1 ? calls[0]! : { anyOf: calls };
}

/** A stable text key of a spec, for the compiled-grammar cache. */
export function grammarKey(spec: GrammarSpec): string {
  return stableStringify(spec);
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
