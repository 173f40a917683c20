import { PioError } from '@pio/core';

const marker = 'pio.error.RemoteAuthError';
const symbol = Symbol.for(marker);

/** The server refused the request for want of a valid API key (HTTP 401 or 403). */
export class RemoteAuthError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** The base URL of the server. */
  readonly baseUrl: string;
  /** The HTTP status (401 or 403). */
  readonly status: number;

  /** Builds the error. */
  constructor(options: {
    baseUrl: string;
    status: number;
    serverMessage: string;
    apiKeyEnv: string | undefined;
    cause?: unknown;
  }) {
    super({
      code: 'PIO_REMOTE_AUTH',
      message: `The server at ${options.baseUrl} refused the request (HTTP ${options.status}${options.status === 401 ? ', unauthorized' : ', forbidden'}): ${options.serverMessage}`,
      hint: options.apiKeyEnv
        ? `Set the environment variable ${options.apiKeyEnv} (the descriptor's apiKeyEnv) to a key this server accepts.`
        : 'The descriptor names no API key: add "apiKeyEnv": "NAME" and export NAME=<key>.',
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.name = 'RemoteAuthError';
    this.baseUrl = options.baseUrl;
    this.status = options.status;
  }

  /** True when `error` is a RemoteAuthError from any installed copy of the package. */
  static override isInstance(error: unknown): error is RemoteAuthError {
    return PioError.hasMarker(error, marker);
  }
}
