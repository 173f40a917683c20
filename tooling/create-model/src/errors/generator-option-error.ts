import { PioError } from '@pio/core';

const marker = 'pio.error.GeneratorOptionError';
const symbol = Symbol.for(marker);

/** An option given to the model generator (other than the name) is unusable. */
export class GeneratorOptionError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** The option at fault, as the CLI spells it (`--architecture`). */
  readonly option: string;

  /** Builds the error; `reason` says what is wrong with `value`, `hint` what to pass instead. */
  constructor(options: { option: string; value: unknown; reason: string; hint: string }) {
    super({
      code: 'PIO_GENERATOR_OPTION_INVALID',
      message: `Invalid ${options.option} ${JSON.stringify(options.value)}: ${options.reason}`,
      hint: options.hint,
    });
    this.name = 'GeneratorOptionError';
    this.option = options.option;
  }

  /** True when `error` is a GeneratorOptionError from any installed copy of `@pio/create-model`. */
  static override isInstance(error: unknown): error is GeneratorOptionError {
    return PioError.hasMarker(error, marker);
  }
}
