import { PioError } from '@pio/core';

const marker = 'pio.error.RemoteProtocolError';
const symbol = Symbol.for(marker);

/** The server's answer is not the OpenAI protocol: malformed JSON or server-sent events, missing fields. */
export class RemoteProtocolError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** The base URL of the server. */
  readonly baseUrl: string;

  /** Builds the error. */
  constructor(options: { baseUrl: string; path: string; reason: string; cause?: unknown }) {
    super({
      code: 'PIO_REMOTE_PROTOCOL',
      message: `${options.baseUrl}${options.path} answered something that is not the OpenAI protocol: ${options.reason}.`,
      hint: 'Check that baseUrl points at an OpenAI-compatible API (vLLM, TGI, llama.cpp server, Ollama, pio serve), /v1 included.',
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.name = 'RemoteProtocolError';
    this.baseUrl = options.baseUrl;
  }

  /** True when `error` is a RemoteProtocolError from any installed copy of the package. */
  static override isInstance(error: unknown): error is RemoteProtocolError {
    return PioError.hasMarker(error, marker);
  }
}
