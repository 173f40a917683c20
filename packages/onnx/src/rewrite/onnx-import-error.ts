import { PioError } from '@pio/core';

const marker = 'pio.error.OnnxImportError';
const symbol = Symbol.for(marker);

/**
 * An exported ONNX model (a transformers.js / Optimum folder) cannot be run:
 * the folder has no `onnx/` graph, the requested variant is missing, the file
 * is truncated or its external data is missing, or its inputs and outputs are
 * not those of a decoder-only model with a KV cache.
 */
export class OnnxImportError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker
  private readonly [symbol] = true;

  /** The file or folder at fault. */
  readonly file: string;

  /** Builds the error; `reason` says what is wrong with `file`. */
  constructor(options: { file: string; reason: string; hint?: string; cause?: unknown }) {
    super({
      code: 'PIO_ONNX_IMPORT',
      message: `Cannot run the ONNX model ${options.file}: ${options.reason}`,
      hint: options.hint,
      cause: options.cause,
    });
    this.name = 'OnnxImportError';
    this.file = options.file;
  }

  /** True when `error` is an OnnxImportError from any installed copy of `@pio/onnx`. */
  static override isInstance(error: unknown): error is OnnxImportError {
    return PioError.hasMarker(error, marker);
  }
}
