import { PioError } from '@pio/core';

const marker = 'pio.error.BenchmarkError';
const symbol = Symbol.for(marker);

/**
 * A benchmark measurement did not finish: the process measuring one dtype
 * exited with an error or a signal, or sent no result.
 */
export class BenchmarkError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** The benchmark's name, for example `smollm2-135m`. */
  readonly benchmark: string;
  /** `build` or `run`. */
  readonly phase: string;
  /** The dtype being measured. */
  readonly dtype: string;

  /** Builds the error; `reason` says how the measurement ended. */
  constructor(options: { benchmark: string; phase: string; dtype: string; reason: string; cause?: unknown }) {
    super({
      code: 'PIO_BENCHMARK_FAILED',
      message: `benchmark ${options.benchmark}: the ${options.phase} measurement of ${options.dtype} failed: ${options.reason}.`,
      hint: 'Its output above says why; rerun with isolate: false to debug it in one process.',
      cause: options.cause,
    });
    this.name = 'BenchmarkError';
    this.benchmark = options.benchmark;
    this.phase = options.phase;
    this.dtype = options.dtype;
  }

  /** True when `error` is a BenchmarkError from any installed copy of `@pio/test-kit`. */
  static override isInstance(error: unknown): error is BenchmarkError {
    return PioError.hasMarker(error, marker);
  }
}
