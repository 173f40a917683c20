import { PioError } from '@pio/core';

const marker = 'pio.error.RemoteModelNotFoundError';
const symbol = Symbol.for(marker);

/** The server does not serve the model the descriptor names. */
export class RemoteModelNotFoundError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** The base URL of the server. */
  readonly baseUrl: string;
  /** The model asked for. */
  readonly model: string;
  /** The models the server lists, when known. */
  readonly served: readonly string[] | undefined;

  /** Builds the error. */
  constructor(options: {
    baseUrl: string;
    model: string;
    served?: readonly string[];
    serverMessage?: string;
    cause?: unknown;
  }) {
    super({
      code: 'PIO_REMOTE_MODEL_NOT_FOUND',
      message: `The server at ${options.baseUrl} does not serve the model "${options.model}"${options.served ? `; it serves: ${options.served.join(', ') || 'none'}` : ''}${options.serverMessage ? ` (${options.serverMessage})` : ''}.`,
      hint: 'Set "model" in the descriptor to one of the ids GET /v1/models lists.',
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.name = 'RemoteModelNotFoundError';
    this.baseUrl = options.baseUrl;
    this.model = options.model;
    this.served = options.served;
  }

  /** True when `error` is a RemoteModelNotFoundError from any installed copy of the package. */
  static override isInstance(error: unknown): error is RemoteModelNotFoundError {
    return PioError.hasMarker(error, marker);
  }
}
