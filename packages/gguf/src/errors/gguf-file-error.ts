import { PioError } from '@pio/core';

const marker = 'pio.error.GgufFileError';
const symbol = Symbol.for(marker);

/**
 * A GGUF file cannot be read or written as asked: bad magic or version, a
 * truncated header, metadata of the wrong type, a tensor whose type or shape
 * does not fit, data past the end of the file.
 */
export class GgufFileError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** The file at fault. */
  readonly file: string;

  /** The tensor or metadata key at fault, when there is one. */
  readonly entry: string | undefined;

  /** Builds the error; `reason` says what is wrong with `file` (and `entry`). */
  constructor(options: { file: string; entry?: string; reason: string; hint?: string; cause?: unknown }) {
    const where = options.entry === undefined ? options.file : `${options.file}, "${options.entry}"`;
    super({
      code: 'PIO_GGUF_INVALID',
      message: `Invalid GGUF in ${where}: ${options.reason}`,
      hint:
        options.hint ?? 'Re-download the file, or convert the checkpoint again with llama.cpp’s convert_hf_to_gguf.py.',
      cause: options.cause,
    });
    this.name = 'GgufFileError';
    this.file = options.file;
    this.entry = options.entry;
  }

  /** True when `error` is a GgufFileError from any installed copy of `@pio/gguf`. */
  static override isInstance(error: unknown): error is GgufFileError {
    return PioError.hasMarker(error, marker);
  }
}
