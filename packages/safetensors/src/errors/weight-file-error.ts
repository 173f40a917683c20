import { PioError } from '@pio/core';

const marker = 'pio.error.WeightFileError';
const symbol = Symbol.for(marker);

/** What to do about a damaged or inconsistent checkpoint, unless a caller says better. */
export const redownloadHint =
  'Re-download the checkpoint, or re-export it with save_pretrained(..., safe_serialization=True).';

/**
 * A safetensors file or a sharded checkpoint's index is damaged or
 * inconsistent: truncated file, bad header length, header that is not JSON,
 * unknown dtype, offsets out of range or overlapping, missing shard, or an
 * index that names a tensor its shard does not hold.
 */
export class WeightFileError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** The file at fault (a `.safetensors` file, an index file, or a folder). */
  readonly file: string;

  /** The tensor at fault, when the problem is in one tensor's entry. */
  readonly tensor: string | undefined;

  /** Builds the error; `reason` says what is wrong with `file` (and `tensor`). */
  constructor(options: { file: string; tensor?: string; reason: string; hint?: string; cause?: unknown }) {
    const where = options.tensor === undefined ? options.file : `${options.file}, tensor "${options.tensor}"`;
    super({
      code: 'PIO_WEIGHTS_INVALID',
      message: `Invalid weights in ${where}: ${options.reason}`,
      hint: options.hint ?? redownloadHint,
      cause: options.cause,
    });
    this.name = 'WeightFileError';
    this.file = options.file;
    this.tensor = options.tensor;
  }

  /** True when `error` is a WeightFileError from any installed copy of `@pio/safetensors`. */
  static override isInstance(error: unknown): error is WeightFileError {
    return PioError.hasMarker(error, marker);
  }
}
