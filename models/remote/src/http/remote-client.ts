import { setTimeout as sleep } from 'node:timers/promises';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import type { RemoteDescriptor } from '../descriptor/remote-descriptor.js';
import { RemoteHttpError } from '../errors/remote-http-error.js';
import { RemoteProtocolError } from '../errors/remote-protocol-error.js';
import { RemoteTimeoutError } from '../errors/remote-timeout-error.js';
import { RemoteUnreachableError } from '../errors/remote-unreachable-error.js';
import { IdleTimeout } from './idle-timeout.js';
import { mapHttpError, readErrorBody } from './map-http-error.js';
import { backoffMs, parseRetryAfter } from './retry-after.js';

/** Options of {@link RemoteClient}. */
export interface RemoteClientOptions {
  /** Where and how to reach the server. */
  descriptor: RemoteDescriptor;
  /** The API key, sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Aborts every request of this client (the plugin's cleanup). */
  signal?: AbortSignal;
}

/** A response whose body is still to be read, with the deadline that guards it. */
interface OpenResponse {
  response: Response;
  timeout: IdleTimeout;
}

/**
 * The HTTP side of a remote model, on Node's own `fetch` (undici; no client
 * library: the OpenAI protocol is plain JSON and server-sent events, and
 * `eventsource-parser` splits the events). Retries 429 and 503 answers up to
 * `maxRetries` times, waiting what `Retry-After` says (seconds or an HTTP
 * date), else 0.5 s, 1 s, 2 s …; a wait over `maxRetryDelayMs` is not waited
 * for. A deadline of `timeoutMs` guards the response headers and then every
 * next piece of a stream. Failures are PIO's typed errors.
 */
export class RemoteClient {
  constructor(private readonly options: RemoteClientOptions) {}

  /** The descriptor this client talks to. */
  get descriptor(): RemoteDescriptor {
    return this.options.descriptor;
  }

  /**
   * `GET` or `POST` a JSON request and parse the JSON answer.
   *
   * @throws RemoteUnreachableError, RemoteTimeoutError, RemoteAuthError, RemoteModelNotFoundError,
   *   ContextLengthError, RemoteHttpError, RemoteProtocolError; the signal's reason when it aborts.
   */
  async json(path: string, body?: unknown, signal?: AbortSignal): Promise<unknown> {
    const { response, timeout } = await this.open(path, body, signal);
    try {
      const text = await this.guard(path, timeout, signal, () => response.text());
      try {
        return JSON.parse(text);
      } catch (cause) {
        throw new RemoteProtocolError({
          baseUrl: this.descriptor.baseUrl,
          path,
          reason: `the body is not JSON (${text.slice(0, 80)})`,
          cause,
        });
      }
    } finally {
      timeout.clear();
    }
  }

  /**
   * `POST` a streaming request and yield the parsed JSON of each `data:`
   * event until `data: [DONE]` (or the end of the body). A `data` event
   * holding `{ error }` (a failure after the stream began) is thrown as the
   * error it maps to.
   *
   * @throws as {@link RemoteClient.json}; RemoteProtocolError for an event that is not JSON.
   */
  async *stream(path: string, body: unknown, signal?: AbortSignal): AsyncGenerator<Record<string, unknown>> {
    const { response, timeout } = await this.open(path, body, signal);
    if (!response.body) {
      timeout.clear();
      throw new RemoteProtocolError({
        baseUrl: this.descriptor.baseUrl,
        path,
        reason: 'the streamed answer has no body',
      });
    }
    const events = response.body
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(new EventSourceParserStream())
      [Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = await this.guard(path, timeout, signal, () => events.next());
        if (next.done) return;
        timeout.touch();
        const data = next.value.data;
        if (data.trim() === '[DONE]') return;
        let json: unknown;
        try {
          json = JSON.parse(data);
        } catch (cause) {
          throw new RemoteProtocolError({
            baseUrl: this.descriptor.baseUrl,
            path,
            reason: `a server-sent event is not JSON: ${JSON.stringify(data.slice(0, 80))}`,
            cause,
          });
        }
        if (typeof json !== 'object' || json === null || Array.isArray(json)) {
          throw new RemoteProtocolError({
            baseUrl: this.descriptor.baseUrl,
            path,
            reason: `a server-sent event is not a JSON object: ${data.slice(0, 80)}`,
          });
        }
        const record = json as Record<string, unknown>;
        if (record.error !== undefined && record.choices === undefined) throw this.httpError(500, data, path, 1);
        yield record;
      }
    } finally {
      timeout.clear();
      await events.return?.().catch(() => undefined);
    }
  }

  /** Sends the request, retrying 429/503; resolves once headers of a 2xx answer arrived. */
  private async open(path: string, body: unknown, signal: AbortSignal | undefined): Promise<OpenResponse> {
    const { baseUrl, maxRetries, maxRetryDelayMs, timeoutMs } = this.descriptor;
    const headers: Record<string, string> = {
      accept: 'application/json, text/event-stream',
      ...this.descriptor.headers,
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    for (let attempt = 1; ; attempt++) {
      const timeout = new IdleTimeout(timeoutMs);
      const signals = [
        timeout.signal,
        ...(signal ? [signal] : []),
        ...(this.options.signal ? [this.options.signal] : []),
      ];
      let response: Response;
      try {
        response = await fetch(`${baseUrl}${path}`, {
          method: body === undefined ? 'GET' : 'POST',
          headers,
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.any(signals),
        });
      } catch (error) {
        timeout.clear();
        throw this.fetchError(error, path, timeout, signal, 'headers');
      }
      if (response.ok) return { response, timeout };
      const text = await response.text().catch(() => '');
      timeout.clear();
      const retryable = response.status === 429 || response.status === 503;
      if (retryable && attempt <= maxRetries) {
        const wait = parseRetryAfter(response.headers.get('retry-after')) ?? backoffMs(attempt - 1);
        if (wait <= maxRetryDelayMs) {
          await sleep(wait, undefined, { signal: AbortSignal.any(signals.slice(1)) });
          continue;
        }
        throw new RemoteHttpError({
          baseUrl,
          path,
          status: response.status,
          serverMessage: `${readErrorBody(text).message} (it asks to retry in ${Math.ceil(wait / 1000)} s, more than maxRetryDelayMs ${maxRetryDelayMs} ms)`,
          attempts: attempt,
        });
      }
      throw this.httpError(response.status, text, path, attempt);
    }
  }

  /** Runs one read of a body, turning an abort by the deadline into a RemoteTimeoutError. */
  private async guard<T>(
    path: string,
    timeout: IdleTimeout,
    signal: AbortSignal | undefined,
    read: () => Promise<T>,
  ): Promise<T> {
    try {
      return await read();
    } catch (error) {
      throw this.fetchError(error, path, timeout, signal, 'stream');
    }
  }

  private fetchError(
    error: unknown,
    path: string,
    timeout: IdleTimeout,
    signal: AbortSignal | undefined,
    phase: 'headers' | 'stream',
  ): unknown {
    if (signal?.aborted) return signal.reason;
    if (this.options.signal?.aborted) return this.options.signal.reason;
    if (timeout.fired) {
      return new RemoteTimeoutError({
        baseUrl: this.descriptor.baseUrl,
        path,
        timeoutMs: this.descriptor.timeoutMs,
        phase,
        cause: error,
      });
    }
    if (isPioError(error)) return error;
    return new RemoteUnreachableError({
      baseUrl: this.descriptor.baseUrl,
      reason: describeNetworkError(error, phase),
      cause: error,
    });
  }

  private httpError(status: number, text: string, path: string, attempts: number) {
    return mapHttpError(status, text, {
      baseUrl: this.descriptor.baseUrl,
      path,
      model: this.descriptor.model,
      apiKeyEnv: this.descriptor.apiKeyEnv,
      attempts,
    });
  }
}

function isPioError(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[Symbol.for('pio.error')] === true
  );
}

/** "connection refused (ECONNREFUSED 127.0.0.1:9)" from undici's `TypeError: fetch failed` and its cause. */
function describeNetworkError(error: unknown, phase: 'headers' | 'stream'): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'unknown host',
    EAI_AGAIN: 'the host name could not be resolved',
    ECONNRESET: 'the connection was reset',
    ETIMEDOUT: 'the connection timed out',
    EHOSTUNREACH: 'no route to the host',
    UND_ERR_SOCKET: 'the connection closed',
  };
  const what = code
    ? (known[code] ?? code)
    : phase === 'stream'
      ? 'the connection broke during the answer'
      : 'the request failed';
  const detail =
    typeof cause?.message === 'string' ? cause.message : error instanceof Error ? error.message : String(error);
  return `${what} (${detail})`;
}
