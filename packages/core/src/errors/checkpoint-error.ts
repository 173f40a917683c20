import { PioError } from './pio-error.js';

const marker = 'pio.error.CheckpointError';
const symbol = Symbol.for(marker);

/**
 * A checkpoint folder or one of its files is missing, unreadable or malformed
 * (`config.json`, weights, tokenizer files).
 */
export class CheckpointError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** The file (or folder) at fault. */
  readonly file: string;

  /** Builds the error; `reason` says what is wrong with `file`. */
  constructor(options: { file: string; reason: string; hint?: string; cause?: unknown }) {
    super({
      code: 'PIO_CHECKPOINT_INVALID',
      message: `Invalid checkpoint file ${options.file}: ${options.reason}`,
      hint: options.hint ?? 'Point PIO at a Hugging Face checkpoint folder (config.json, *.safetensors, tokenizer.json).',
      cause: options.cause,
    });
    this.name = 'CheckpointError';
    this.file = options.file;
  }

  /** True when `error` is a CheckpointError from any installed copy of `@pio/core`. */
  static override isInstance(error: unknown): error is CheckpointError {
    return PioError.hasMarker(error, marker);
  }
}
