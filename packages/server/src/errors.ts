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
