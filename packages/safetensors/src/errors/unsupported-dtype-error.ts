import { PioError } from '@pio/core';

const marker = 'pio.error.UnsupportedDtypeError';
const symbol = Symbol.for(marker);

/** A tensor was asked for as float32 (or written) in a dtype that cannot be converted. */
export class UnsupportedDtypeError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** The file read or written. */
  readonly file: string;

  /** The tensor. */
  readonly tensor: string;

  /** Its dtype. */
  readonly dtype: string;

  /** Builds the error; `action` is what was attempted, for example `read as float32`. */
  constructor(options: { file: string; tensor: string; dtype: string; action: string; hint: string }) {
    super({
      code: 'PIO_WEIGHTS_UNSUPPORTED_DTYPE',
      message: `Tensor "${options.tensor}" in ${options.file} has dtype ${options.dtype}, which cannot be ${options.action} (supported: F32, F16, BF16).`,
      hint: options.hint,
    });
    this.name = 'UnsupportedDtypeError';
    this.file = options.file;
    this.tensor = options.tensor;
    this.dtype = options.dtype;
  }

  /** True when `error` is an UnsupportedDtypeError from any installed copy of `@pio/safetensors`. */
  static override isInstance(error: unknown): error is UnsupportedDtypeError {
    return PioError.hasMarker(error, marker);
  }
}
