import type { ChatMessage, ChatOptions, GenerateOptions, GenerateTextResult, GenerationDelta, Prompt } from './generation.js';
import type { ModelPlugin } from './model-plugin.js';

/** Input of {@link TextModelPlugin.infer}: token ids of one sequence. */
export interface TextInferInput {
  /** Token ids, in order. */
  inputIds: readonly number[];
}

/** Output of {@link TextModelPlugin.infer}: logits of every position. */
export interface TextInferOutput {
  /** Row-major `[sequenceLength, vocabSize]` logits. */
  logits: Float32Array;
  /** Number of positions (rows). */
  sequenceLength: number;
  /** Vocabulary size (columns). */
  vocabSize: number;
}

/** Options of {@link TextModelPlugin.tokenize}. */
export interface TokenizeOptions {
  /** Add the tokenizer's special tokens (BOS, ...). Default true. */
  addSpecialTokens?: boolean;
}

/** Options of {@link TextModelPlugin.detokenize}. */
export interface DetokenizeOptions {
  /** Leave special tokens out of the text. Default false. */
  skipSpecialTokens?: boolean;
}

/**
 * A model plugin for text: the seed's `TextModelPluginInterface`. Adds
 * tokenization and generation to {@link ModelPlugin}.
 */
export interface TextModelPlugin extends ModelPlugin<TextInferInput, TextInferOutput> {
  /** Token ids of `text`. */
  tokenize(text: string, options?: TokenizeOptions): number[];

  /** Text of `ids`; an empty array gives an empty string. */
  detokenize(ids: readonly number[], options?: DetokenizeOptions): string;

  /**
   * Generates a completion of `prompt` and returns it whole.
   *
   * @throws ContextLengthError (a PioError) when prompt plus `maxNewTokens` exceed the context.
   */
  generateText(prompt: Prompt, options?: GenerateOptions): Promise<GenerateTextResult>;

  /**
   * The longest sequence (prompt plus generated tokens) the loaded model
   * runs: a prompt and `maxNewTokens` beyond it are a ContextLengthError.
   *
   * @throws PluginStateError before initialize or after cleanup.
   */
  readonly contextLength: number;

  /**
   * Streams a completion of `prompt`, token by token, ending with a `finish`
   * delta. This is the batched entry point: a host may call it concurrently
   * (one call per request) and the plugin batches the calls itself
   * (continuous batching: sequences join and leave between decode steps,
   * each keeping its own sampling settings, seed, stops and abort signal);
   * a plugin that cannot batch runs them one after another. A sequence's
   * greedy tokens must not depend on what else runs beside it.
   */
  generate(prompt: Prompt, options?: GenerateOptions): AsyncIterable<GenerationDelta>;

  /** Streams an answer to `messages`, rendered with the model's chat template. */
  chat?(messages: readonly ChatMessage[], options?: ChatOptions): AsyncIterable<GenerationDelta>;
}

/** True when `plugin` has the methods of a {@link TextModelPlugin}. */
export function isTextModelPlugin(plugin: ModelPlugin): plugin is TextModelPlugin {
  const candidate = plugin as Partial<TextModelPlugin>;
  return (
    typeof candidate.tokenize === 'function' &&
    typeof candidate.detokenize === 'function' &&
    typeof candidate.generateText === 'function' &&
    typeof candidate.generate === 'function'
  );
}
