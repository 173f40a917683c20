import { PioError } from './pio-error.js';

const marker = 'pio.error.ContextLengthError';
const symbol = Symbol.for(marker);

/** A prompt plus the tokens to generate do not fit in the model's context. Thrown before any compute. */
export class ContextLengthError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** Tokens in the prompt. */
  readonly promptTokens: number;
  /** Tokens asked for. */
  readonly maxNewTokens: number;
  /** The context length in force. */
  readonly contextLength: number;

  /** Builds the error; the message gives the three numbers and the ways out. */
  constructor(options: { promptTokens: number; maxNewTokens: number; contextLength: number }) {
    super({
      code: 'PIO_CONTEXT_LENGTH_EXCEEDED',
      message: `The prompt has ${options.promptTokens} tokens and ${options.maxNewTokens} more were asked for: ${options.promptTokens + options.maxNewTokens} > the context length of ${options.contextLength} tokens.`,
      hint: 'Shorten the prompt, lower maxNewTokens, pass truncatePrompt: true, or raise maxContextLength (up to the model\'s max_position_embeddings).',
    });
    this.name = 'ContextLengthError';
    this.promptTokens = options.promptTokens;
    this.maxNewTokens = options.maxNewTokens;
    this.contextLength = options.contextLength;
  }

  /** True when `error` is a ContextLengthError from any installed copy of `@pio/core`. */
  static override isInstance(error: unknown): error is ContextLengthError {
    return PioError.hasMarker(error, marker);
  }
}
