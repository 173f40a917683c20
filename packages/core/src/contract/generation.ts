/**
 * Options of text generation. Every field is optional: defaults come from the
 * checkpoint's `generation_config.json`, then from the plugin.
 */
export interface GenerateOptions {
  /**
   * Most tokens to generate. When absent, the checkpoint's default (or the
   * plugin's) is lowered to what fits in the context after the prompt; a value
   * given here is never lowered: prompt plus it over the context is a
   * ContextLengthError (unless `truncatePrompt`).
   */
  maxNewTokens?: number;
  /** Softmax temperature; 0 means greedy. */
  temperature?: number;
  /** Keep only the `topK` most likely tokens (0: off). */
  topK?: number;
  /** Keep the smallest set of tokens whose probability reaches `topP` (1: off). */
  topP?: number;
  /** Drop tokens less likely than `minP` times the most likely one (0: off). */
  minP?: number;
  /** Divides positive (multiplies negative) logits of tokens already seen (1: off). */
  repetitionPenalty?: number;
  /** Subtracted from the logit of every token already generated (0: off). */
  presencePenalty?: number;
  /** Subtracted once per occurrence of a token already generated (0: off). */
  frequencyPenalty?: number;
  /** Seed of the sampler: the same seed and options give the same output. */
  seed?: number;
  /** Strings that end generation; matched across token boundaries and not included in the output. */
  stop?: readonly string[];
  /** Token ids that end generation, besides the model's EOS ids. */
  stopTokenIds?: readonly number[];
  /** Cuts a prompt longer than the context from the left instead of throwing. */
  truncatePrompt?: boolean;
  /** Aborts generation; the result then has `finishReason: 'abort'`. */
  signal?: AbortSignal;
  /**
   * The shape of the output. `json_object` and `json_schema` constrain decoding
   * with a token-level grammar mask applied before sampling (greedy included),
   * so the text always parses as JSON (and validates against the schema); the
   * end of sequence is allowed only once the JSON is complete. Default `text`.
   */
  responseFormat?: ResponseFormat;
}

/**
 * A JSON Schema (draft 2020-12 / draft-07 keywords), as a plain object. The
 * constraint supports `type`, `properties`, `required`,
 * `additionalProperties`, `items`, `prefixItems`, `minItems`, `maxItems`,
 * `enum`, `const`, `anyOf`, `oneOf`, `allOf` (of one schema), `$ref` to
 * `$defs`/`definitions`, `minimum`/`maximum` (integers), `minLength`,
 * `maxLength` and `pattern`.
 */
export type JsonSchema = { [keyword: string]: unknown };

/** The shape of generated text; see {@link GenerateOptions.responseFormat}. */
export type ResponseFormat =
  | {
      /** Free text (no constraint). */
      type: 'text';
    }
  | {
      /** Any JSON object. */
      type: 'json_object';
    }
  | {
      /** JSON that validates against `schema`. */
      type: 'json_schema';
      /** The schema the output must validate against. */
      schema: JsonSchema;
      /** A name for the schema (informative; OpenAI's `json_schema.name`). */
      name?: string;
      /** A description of what the output is (informative). */
      description?: string;
      /**
       * OpenAI's `strict`. The constraint is always exact for the keywords it
       * supports. Default true: properties the schema does not list are not
       * generated when it says nothing about `additionalProperties` (output
       * stays bounded); false lets the model add such properties.
       */
      strict?: boolean;
    };

/** A function the model may call, in the OpenAI `tools` format. */
export interface ToolDefinition {
  /** Always `function`. */
  type: 'function';
  /** The function. */
  function: {
    /** Its name: what a {@link ToolCall} names. Letters, digits, `_` and `-`. */
    name: string;
    /** What it does, for the model (rendered by the chat template). */
    description?: string;
    /** JSON Schema of its arguments object; absent means any object. */
    parameters?: JsonSchema;
    /** OpenAI's `strict`; calls constrained by grammar always match `parameters`. */
    strict?: boolean;
  };
}

/**
 * Whether and which tool the model calls:
 * - `auto` (default when tools are given): the model chooses between text and calls;
 * - `none`: the template renders no tools and the output is text;
 * - `required`: the output is one call to one of the tools, constrained by grammar
 *   so that it parses and its arguments match that tool's `parameters`;
 * - `{ type: 'function', function: { name } }`: the same, to that tool only.
 */
export type ToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };

/** A tool call parsed out of the model's output. */
export interface ToolCall {
  /** Its id, unique within a conversation (`call_` + random letters); a `tool` message answers it by `toolCallId`. */
  id: string;
  /** The name of the function called. */
  name: string;
  /** Its arguments: a JSON object, as text (OpenAI's `function.arguments`). */
  arguments: string;
}

/** A prompt: text to tokenize, or token ids to start from. */
export type Prompt = string | { inputIds: readonly number[] };

/**
 * Why generation ended: a stop condition (EOS, stop string or token), the token
 * budget, an abort, or the model called tools (`tool-calls`: the output holds
 * at least one parsed {@link ToolCall}).
 */
export type FinishReason = 'stop' | 'length' | 'abort' | 'tool-calls';

/** Token counts and timings of one generation. */
export interface GenerationUsage {
  /** Tokens in the prompt. */
  promptTokens: number;
  /** Tokens of the prompt whose keys and values were reused from the previous generation (a shared prefix). */
  cachedPromptTokens?: number;
  /** Tokens generated. */
  completionTokens: number;
  /** Milliseconds from the call to the first generated token. */
  timeToFirstTokenMs: number;
  /** Generated tokens per second after the first one. */
  tokensPerSecond: number;
}

/** One step of a streamed generation. */
export type GenerationDelta =
  | {
      /** A generated token. */
      type: 'token';
      /** Its id. */
      tokenId: number;
      /**
       * Text it completes; empty while a multi-byte character is still
       * incomplete, and for tokens of a tool call's markup when tools are on
       * (those come out as `tool-call` deltas instead).
       */
      text: string;
    }
  | {
      /** A complete tool call, parsed from the output (chat with tools only). */
      type: 'tool-call';
      /** Always empty: every delta has a `text`, so text consumers can ignore the kind. */
      text: string;
      /** The call. */
      toolCall: ToolCall;
    }
  | {
      /** The end of the stream. */
      type: 'finish';
      /** Text held back until the end (a possible start of a stop string that was not one); often empty. */
      text: string;
      /** Why it ended. */
      finishReason: FinishReason;
      /** Counts and timings. */
      usage: GenerationUsage;
    };

/** The result of {@link TextModelPlugin.generateText}. */
export interface GenerateTextResult {
  /** Generated text (the prompt is not included). */
  text: string;
  /** Token ids of the prompt. */
  promptIds: number[];
  /** Generated token ids. */
  ids: number[];
  /** Why generation ended. */
  finishReason: FinishReason;
  /** Counts and timings. */
  usage: GenerationUsage;
  /** Tool calls parsed from the output (chat with tools); `text` then holds only the text around them. */
  toolCalls?: ToolCall[];
}

/** A chat message, as chat templates expect it. */
export interface ChatMessage {
  /** Who speaks; `tool` is the result of a tool call, answering `toolCallId`. */
  role: 'system' | 'user' | 'assistant' | 'tool';
  /** What they say (may be empty for an assistant message that only calls tools). */
  content: string;
  /** Tool calls the assistant made in this turn (role `assistant` only). */
  toolCalls?: readonly ToolCall[];
  /** The {@link ToolCall.id} this message answers (role `tool`). */
  toolCallId?: string;
  /** The name of the tool that answered (role `tool`; optional, some templates show it). */
  name?: string;
}

/** Options of chat: generation options plus what the template needs. */
export interface ChatOptions extends GenerateOptions {
  /** A Jinja chat template to use instead of the model's own. */
  chatTemplate?: string;
  /**
   * Functions the model may call; the chat template renders them (its `tools`
   * variable) and the model's tool-call syntax (Hermes/Qwen `<tool_call>`,
   * Llama 3.x JSON) is parsed into `tool-call` deltas.
   */
  tools?: readonly ToolDefinition[];
  /** Whether and which tool to call; default `auto` when `tools` are given. See {@link ToolChoice}. */
  toolChoice?: ToolChoice;
}
