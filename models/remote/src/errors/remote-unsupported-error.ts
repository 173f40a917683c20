import { PioError } from '@pio/core';

const marker = 'pio.error.RemoteUnsupportedError';
const symbol = Symbol.for(marker);

/** An operation a remote model cannot do: the OpenAI protocol has no logits (`infer`) and no tokenizer (`tokenize`, `detokenize`). */
export class RemoteUnsupportedError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** What was asked (`tokenize`, `infer`, ...). */
  readonly operation: string;

  /** Builds the error. */
  constructor(options: { operation: string; reason: string; hint: string; cause?: unknown }) {
    super({
      code: 'PIO_REMOTE_UNSUPPORTED',
      message: `A remote model cannot ${options.operation}: ${options.reason}.`,
      hint: options.hint,
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.name = 'RemoteUnsupportedError';
    this.operation = options.operation;
  }

  /** True when `error` is a RemoteUnsupportedError from any installed copy of the package. */
  static override isInstance(error: unknown): error is RemoteUnsupportedError {
    return PioError.hasMarker(error, marker);
  }
}
