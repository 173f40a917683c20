import { PioError } from '@pio/core';

const marker = 'pio.error.InvalidModelNameError';
const symbol = Symbol.for(marker);

/** A model name given to the generator is not lowercase kebab-case. */
export class InvalidModelNameError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** The name as given. */
  readonly modelName: string;

  /** Builds the error; `reason` says which rule `modelName` breaks. */
  constructor(options: { modelName: string; reason: string }) {
    super({
      code: 'PIO_MODEL_NAME_INVALID',
      message: `Invalid model name ${JSON.stringify(options.modelName)}: ${options.reason}`,
      hint: 'Use lowercase kebab-case: a letter, then letters, digits and single dashes, like "qwen3" or "gpt-neox". The package becomes @pio/model-<name>.',
    });
    this.name = 'InvalidModelNameError';
    this.modelName = options.modelName;
  }

  /** True when `error` is an InvalidModelNameError from any installed copy of `@pio/create-model`. */
  static override isInstance(error: unknown): error is InvalidModelNameError {
    return PioError.hasMarker(error, marker);
  }
}
