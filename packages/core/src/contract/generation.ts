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
}

/** A prompt: text to tokenize, or token ids to start from. */
export type Prompt = string | { inputIds: readonly number[] };

/** Why generation ended. */
export type FinishReason = 'stop' | 'length' | 'abort';

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
      /** Text it completes; empty while a multi-byte character is still incomplete. */
      text: string;
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
}

/** A chat message, as chat templates expect it. */
export interface ChatMessage {
  /** Who speaks. */
  role: 'system' | 'user' | 'assistant' | 'tool';
  /** What they say. */
  content: string;
}

/** Options of chat: generation options plus what the template needs. */
export interface ChatOptions extends GenerateOptions {
  /** A Jinja chat template to use instead of the model's own. */
  chatTemplate?: string;
  /** Tool definitions passed through to the template. */
  tools?: readonly unknown[];
}
