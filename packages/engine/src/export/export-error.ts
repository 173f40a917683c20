import { PioError } from '@pio/core';

const marker = 'pio.error.ExportError';
const symbol = Symbol.for(marker);

/** A model could not be exported to another runtime's folder layout (for example transformers.js). */
export class ExportError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker
  private readonly [symbol] = true;

  /** The folder being written. */
  readonly outDir: string;

  /** Builds the error; `reason` says what went wrong while writing `outDir`. */
  constructor(options: { outDir: string; reason: string; hint?: string; cause?: unknown }) {
    super({
      code: 'PIO_EXPORT_FAILED',
      message: `Cannot export the model to ${options.outDir}: ${options.reason}`,
      hint: options.hint,
      cause: options.cause,
    });
    this.name = 'ExportError';
    this.outDir = options.outDir;
  }

  /** True when `error` is an ExportError from any installed copy of `@pio/engine`. */
  static override isInstance(error: unknown): error is ExportError {
    return PioError.hasMarker(error, marker);
  }
}
