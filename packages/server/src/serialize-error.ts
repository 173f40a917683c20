import { ContextLengthError, PioError } from '@pio/core';
import type { SerializedError } from './protocol.js';

/** A plain object for `postMessage` that keeps what the HTTP layer needs of an error. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error || PioError.isInstance(error)) {
    const err = error as Error;
    return {
      name: err.name,
      message: err.message,
      ...(PioError.isInstance(error) ? { code: error.code } : {}),
      ...(ContextLengthError.isInstance(error) ? { contextLength: true } : {}),
      ...(err.stack ? { stack: err.stack } : {}),
    };
  }
  return { name: 'Error', message: String(error) };
}
