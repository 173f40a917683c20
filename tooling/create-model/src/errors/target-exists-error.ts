import { PioError } from '@pio/core';

const marker = 'pio.error.TargetExistsError';
const symbol = Symbol.for(marker);

/** The folder a new model package would be written to already exists and is not empty. */
export class TargetExistsError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** The folder. */
  readonly dir: string;

  /** Builds the error for `dir`. */
  constructor(options: { dir: string }) {
    super({
      code: 'PIO_TARGET_EXISTS',
      message: `${options.dir} already exists and is not empty`,
      hint: 'Pick another name, remove the folder, or pass --force (force: true) to rewrite the generated files in it; other files there are left alone.',
    });
    this.name = 'TargetExistsError';
    this.dir = options.dir;
  }

  /** True when `error` is a TargetExistsError from any installed copy of `@pio/create-model`. */
  static override isInstance(error: unknown): error is TargetExistsError {
    return PioError.hasMarker(error, marker);
  }
}
