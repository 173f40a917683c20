import { PioError } from './pio-error.js';

const marker = 'pio.error.InsufficientMemoryError';
const symbol = Symbol.for(marker);

/** A model does not fit in the machine's memory at the chosen dtype. Thrown before any weight is read or built. */
export class InsufficientMemoryError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** The dtype asked for. */
  readonly dtype: string;
  /** Estimated bytes the model needs at that dtype (weights, KV cache at the context length, runtime). */
  readonly neededBytes: number;
  /** The machine's memory, bytes. */
  readonly availableBytes: number;
  /** The largest dtype that would fit, if any. */
  readonly fittingDtype: string | undefined;

  /** Builds the error; the message gives both sizes and the way out. */
  constructor(options: {
    model: string;
    dtype: string;
    neededBytes: number;
    availableBytes: number;
    fittingDtype?: string | undefined;
    checkpoint?: string;
  }) {
    const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
    const where = options.checkpoint ? ` (${options.checkpoint})` : '';
    super({
      code: 'PIO_INSUFFICIENT_MEMORY',
      message: `${options.model}${where} needs about ${gib(options.neededBytes)} at ${options.dtype} (weights, KV cache and runtime), but this machine has ${gib(options.availableBytes)} of memory.`,
      hint: options.fittingDtype
        ? `Run it with --dtype ${options.fittingDtype} (dtype: '${options.fittingDtype}'), or lower maxContextLength.`
        : 'No dtype PIO has fits: use a machine with more memory or a smaller model.',
    });
    this.name = 'InsufficientMemoryError';
    this.dtype = options.dtype;
    this.neededBytes = options.neededBytes;
    this.availableBytes = options.availableBytes;
    this.fittingDtype = options.fittingDtype;
  }

  /** True when `error` is an InsufficientMemoryError from any installed copy of `@pio/core`. */
  static override isInstance(error: unknown): error is InsufficientMemoryError {
    return PioError.hasMarker(error, marker);
  }
}
