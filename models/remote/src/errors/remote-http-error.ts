import { PioError } from '@pio/core';

const marker = 'pio.error.RemoteHttpError';
const symbol = Symbol.for(marker);

/** The server answered with an HTTP error this plugin has no more specific error for (a 429 or 503 after the retries, a 500, a 400 that is not about the context). */
export class RemoteHttpError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** The base URL of the server. */
  readonly baseUrl: string;
  /** The HTTP status. */
  readonly status: number;
  /** What the server said (its OpenAI error message, or the body). */
  readonly serverMessage: string;

  /** Builds the error. */
  constructor(options: {
    baseUrl: string;
    path: string;
    status: number;
    serverMessage: string;
    attempts: number;
    cause?: unknown;
  }) {
    super({
      code: 'PIO_REMOTE_HTTP',
      message: `${options.baseUrl}${options.path} answered HTTP ${options.status}${options.attempts > 1 ? ` after ${options.attempts} attempts` : ''}: ${options.serverMessage}`,
      hint:
        options.status === 429 || options.status === 503
          ? 'The server is overloaded: try again later, or raise "maxRetries" / "maxRetryDelayMs" in the descriptor.'
          : options.status === 404
            ? "Check the descriptor's baseUrl: it is the OpenAI base URL, /v1 included (http://host:8000/v1)."
            : options.status >= 500
              ? 'The server failed: see its logs.'
              : 'The server refused the request: see its message.',
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.name = 'RemoteHttpError';
    this.baseUrl = options.baseUrl;
    this.status = options.status;
    this.serverMessage = options.serverMessage;
  }

  /** True when `error` is a RemoteHttpError from any installed copy of the package. */
  static override isInstance(error: unknown): error is RemoteHttpError {
    return PioError.hasMarker(error, marker);
  }
}
