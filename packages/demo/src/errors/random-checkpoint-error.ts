import { PioError } from '@pio/core';

const marker = 'pio.error.RandomCheckpointError';
const symbol = Symbol.for(marker);

/**
 * A random-checkpoint function got an argument it cannot work with: an
 * impossible shard count, a negative peakiness, an unknown tokenizer name.
 */
export class RandomCheckpointError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** The function or option that was misused, for example `writeRandomCheckpoint.shards`. */
  readonly where: string;

  /** Builds the error; `message` says what was wrong, `hint` what to pass instead. */
  constructor(options: { where: string; message: string; hint: string; cause?: unknown }) {
    super({
      code: 'PIO_RANDOM_CHECKPOINT_INVALID_ARGUMENT',
      message: `${options.where}: ${options.message}`,
      hint: options.hint,
      cause: options.cause,
    });
    this.name = 'RandomCheckpointError';
    this.where = options.where;
  }

  /** True when `error` is a RandomCheckpointError from any installed copy of `@pio/demo`. */
  static override isInstance(error: unknown): error is RandomCheckpointError {
    return PioError.hasMarker(error, marker);
  }
}
