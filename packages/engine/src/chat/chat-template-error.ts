import { PioError } from '@pio/core';

const marker = 'pio.error.ChatTemplateError';
const symbol = Symbol.for(marker);

/** A chat could not be rendered: the model has no chat template, or its template failed on these messages. */
export class ChatTemplateError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker
  private readonly [symbol] = true;

  /** Builds the error; `reason` says what failed. */
  constructor(options: { reason: string; hint?: string; cause?: unknown }) {
    super({
      code: 'PIO_CHAT_TEMPLATE',
      message: `Cannot render the chat: ${options.reason}`,
      hint: options.hint ?? 'Pass a Jinja template as chatTemplate, or use generate() with a plain prompt.',
      cause: options.cause,
    });
    this.name = 'ChatTemplateError';
  }

  /** True when `error` is a ChatTemplateError from any installed copy of `@pio/engine`. */
  static override isInstance(error: unknown): error is ChatTemplateError {
    return PioError.hasMarker(error, marker);
  }
}
