import { PioError } from '@pio/core';

const marker = 'pio.error.RemoteTimeoutError';
const symbol = Symbol.for(marker);

/** The server did not answer (or went silent in a stream) within the descriptor's timeoutMs. */
export class RemoteTimeoutError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** The base URL of the server. */
  readonly baseUrl: string;
  /** The limit that ran out, in milliseconds. */
  readonly timeoutMs: number;

  /** Builds the error. */
  constructor(options: {
    baseUrl: string;
    path: string;
    timeoutMs: number;
    phase: 'headers' | 'stream';
    cause?: unknown;
  }) {
    super({
      code: 'PIO_REMOTE_TIMEOUT',
      message: `${options.baseUrl}${options.path} ${options.phase === 'headers' ? 'sent no answer' : 'sent nothing more'} within ${options.timeoutMs} ms.`,
      hint: 'Raise "timeoutMs" in the descriptor if the server is busy or slow to start, or check that it is healthy.',
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.name = 'RemoteTimeoutError';
    this.baseUrl = options.baseUrl;
    this.timeoutMs = options.timeoutMs;
  }

  /** True when `error` is a RemoteTimeoutError from any installed copy of the package. */
  static override isInstance(error: unknown): error is RemoteTimeoutError {
    return PioError.hasMarker(error, marker);
  }
}
