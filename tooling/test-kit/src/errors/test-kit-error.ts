import { PioError } from '@pio/core';

const marker = 'pio.error.TestKitError';
const symbol = Symbol.for(marker);

/**
 * A test-kit function got an argument it cannot work with: a token id outside
 * the vocabulary, an impossible shard count, an unknown tokenizer name.
 */
export class TestKitError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** The function or option that was misused, for example `referenceForward` or `writeRandomCheckpoint.shards`. */
  readonly where: string;

  /** Builds the error; `message` says what was wrong, `hint` what to pass instead. */
  constructor(options: { where: string; message: string; hint: string; cause?: unknown }) {
    super({
      code: 'PIO_TEST_KIT_INVALID_ARGUMENT',
      message: `${options.where}: ${options.message}`,
      hint: options.hint,
      cause: options.cause,
    });
    this.name = 'TestKitError';
    this.where = options.where;
  }

  /**
   * True when `error` is a TestKitError from any installed copy of
   * `@pio/test-kit`, or a `RandomCheckpointError` of `@pio/demo` (the random
   * checkpoint writer moved there and throws that).
   */
  static override isInstance(error: unknown): error is TestKitError {
    return PioError.hasMarker(error, marker) || PioError.hasMarker(error, 'pio.error.RandomCheckpointError');
  }
}
