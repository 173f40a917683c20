import { PioError } from '@pio/core';
import type { SerializedError } from './protocol.js';

/** A model's queue is full: the request is refused (HTTP 429) instead of waiting. */
export class QueueFullError extends PioError {
  /** Seconds after which a retry is likely to be accepted. */
  readonly retryAfterSeconds: number;

  /** Builds the error for model `model` with `waiting` requests queued. */
  constructor(options: { model: string; waiting: number; retryAfterSeconds: number }) {
    super({
      code: 'PIO_QUEUE_FULL',
      message: `Model "${options.model}" is busy: ${options.waiting} requests are already waiting.`,
      hint: `Retry after ${options.retryAfterSeconds} s, or start the server with a larger maxQueue.`,
    });
    this.name = 'QueueFullError';
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** A model's worker thread failed to start, crashed, or was closed. */
export class ModelUnavailableError extends PioError {
  /** Builds the error for model `model`. */
  constructor(options: { model: string; reason: string; cause?: unknown }) {
    super({
      code: 'PIO_MODEL_UNAVAILABLE',
      message: `Model "${options.model}" is unavailable: ${options.reason}.`,
      cause: options.cause,
    });
    this.name = 'ModelUnavailableError';
  }
}

/** An error thrown in a model worker, rebuilt on the main thread with its name, code and message. */
export class WorkerError extends PioError {
  /** The error as the worker serialized it. */
  readonly original: SerializedError;

  /** Wraps what the worker sent. */
  constructor(original: SerializedError) {
    super({ code: original.code ?? 'PIO_WORKER_ERROR', message: original.message });
    this.name = original.name;
    this.original = original;
    if (original.stack) this.stack = original.stack;
  }

  /** True when the worker threw a ContextLengthError. */
  get isContextLength(): boolean {
    return this.original.contextLength === true;
  }
}

/** What the operating system said when the server could not listen, as a one-line message and a hint. */
const listenProblems: Record<string, (where: string, options: { host: string; port: number }) => { message: string; hint: string }> = {
  EADDRINUSE: (where) => ({
    message: `Cannot listen on ${where}: the port is already in use.`,
    hint: 'Stop the program using it, or pick another port (--port; 0 picks a free one).',
  }),
  EACCES: (where, { port }) => ({
    message: `Cannot listen on ${where}: permission denied.`,
    hint: port < 1024 ? 'Ports below 1024 need extra privileges: pick a port from 1024 to 65535 (--port).' : 'Pick another port (--port).',
  }),
  EADDRNOTAVAIL: (where, { host }) => ({
    message: `Cannot listen on ${where}: ${host} is not an address of this machine.`,
    hint: 'Bind 127.0.0.1 (this machine only), 0.0.0.0 (every interface), or one of its own addresses (--host).',
  }),
  ENOTFOUND: (where, { host }) => ({
    message: `Cannot listen on ${where}: the host name ${host} does not resolve.`,
    hint: 'Bind an IP address such as 127.0.0.1 or 0.0.0.0 (--host).',
  }),
};

/** The HTTP server could not bind its address: port in use, no permission, or an address not of this machine. */
export class ListenError extends PioError {
  /** The operating system's error code (`EADDRINUSE`, `EACCES`, …). */
  readonly systemCode: string | undefined;

  /** Builds the error from what `listen` threw. */
  constructor(options: { host: string; port: number; cause: unknown }) {
    const systemCode = (options.cause as { code?: unknown } | null)?.code;
    const code = typeof systemCode === 'string' ? systemCode : undefined;
    const where = `${options.host}:${options.port}`;
    const known = code ? listenProblems[code] : undefined;
    const problem = known?.(where, options) ?? {
      message: `Cannot listen on ${where}: ${(options.cause as Error | null)?.message ?? String(options.cause)}.`,
      hint: 'Check --host and --port.',
    };
    super({ code: 'PIO_LISTEN', ...problem, cause: options.cause });
    this.name = 'ListenError';
    this.systemCode = code;
  }
}
