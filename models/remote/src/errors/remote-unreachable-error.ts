import { PioError } from '@pio/core';

const marker = 'pio.error.RemoteUnreachableError';
const symbol = Symbol.for(marker);

/** No connection to the server: refused, unknown host, reset before an answer. */
export class RemoteUnreachableError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** The base URL of the server. */
  readonly baseUrl: string;

  /** Builds the error. */
  constructor(options: { baseUrl: string; reason: string; cause?: unknown }) {
    super({
      code: 'PIO_REMOTE_UNREACHABLE',
      message: `Cannot reach ${options.baseUrl}: ${options.reason}.`,
      hint: `Is the server running, and is the descriptor's baseUrl (host, port, /v1) right? Try: curl ${options.baseUrl}/models`,
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.name = 'RemoteUnreachableError';
    this.baseUrl = options.baseUrl;
  }

  /** True when `error` is a RemoteUnreachableError from any installed copy of the package. */
  static override isInstance(error: unknown): error is RemoteUnreachableError {
    return PioError.hasMarker(error, marker);
  }
}
