import { PioError } from '@pio/core';

const marker = 'pio.error.ExternalDataError';
const symbol = Symbol.for(marker);

/**
 * Writing a graph's weights to its external-data side file failed: the file
 * could not be created or a tensor could not be written at its offset (a full
 * disk, a folder without write permission). Names the file and the tensor.
 */
export class ExternalDataError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** The side file at fault. */
  readonly file: string;

  /** The tensor being written, when the failure happened on one. */
  readonly tensor: string | undefined;

  /** Builds the error; `reason` says what failed. */
  constructor(options: { file: string; tensor?: string; reason: string; hint?: string; cause?: unknown }) {
    const what = options.tensor === undefined ? '' : ` (tensor "${options.tensor}")`;
    super({
      code: 'PIO_EXTERNAL_DATA',
      message: `Cannot write the external-data file ${options.file}${what}: ${options.reason}`,
      hint: options.hint ?? 'Check that the folder exists, is writable and that the disk has room for the weights.',
      cause: options.cause,
    });
    this.name = 'ExternalDataError';
    this.file = options.file;
    this.tensor = options.tensor;
  }

  /** True when `error` is an ExternalDataError from any installed copy of `@pio/onnx`. */
  static override isInstance(error: unknown): error is ExternalDataError {
    return PioError.hasMarker(error, marker);
  }
}
