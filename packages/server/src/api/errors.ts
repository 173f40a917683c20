import { ContextLengthError, PioError } from '@pio/core';
import type { z } from 'zod';
import { ModelUnavailableError, QueueFullError, WorkerError } from '../errors.js';

/** The OpenAI error body: `{ error: { message, type, param, code } }`. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** An error with its HTTP status and OpenAI error body. */
export class ApiError extends Error {
  /** HTTP status. */
  readonly status: number;
  /** OpenAI error `type`. */
  readonly type: string;
  /** The request field at fault, or null. */
  readonly param: string | null;
  /** OpenAI-style error `code`, or null. */
  readonly code: string | null;
  /** Extra response headers (Retry-After). */
  readonly headers: Record<string, string>;

  /** Builds the error. */
  constructor(options: {
    status: number;
    message: string;
    type?: string;
    param?: string | null;
    code?: string | null;
    headers?: Record<string, string>;
  }) {
    super(options.message);
    this.name = 'ApiError';
    this.status = options.status;
    this.type = options.type ?? (options.status >= 500 ? 'server_error' : 'invalid_request_error');
    this.param = options.param ?? null;
    this.code = options.code ?? null;
    this.headers = options.headers ?? {};
  }

  /** The JSON body of the response. */
  toBody(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** A 400 naming the first invalid field of a request body. */
export function validationError(error: z.ZodError): ApiError {
  const issue = error.issues[0];
  const param = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : null;
  const message = issue ? `${param ? `${param}: ` : ''}${issue.message}` : 'invalid request body';
  return new ApiError({ status: 400, message, param, code: 'invalid_value' });
}

/**
 * Maps anything thrown while serving a request to an {@link ApiError}.
 *
 * @param promptParam - The field a too-long prompt is blamed on (`messages` or `prompt`).
 */
export function toApiError(error: unknown, promptParam = 'messages'): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof QueueFullError) {
    return new ApiError({
      status: 429,
      type: 'rate_limit_error',
      code: 'rate_limit_exceeded',
      message: error.message,
      headers: { 'retry-after': String(error.retryAfterSeconds) },
    });
  }
  if (error instanceof ModelUnavailableError)
    return new ApiError({ status: 503, message: error.message, code: 'model_unavailable' });
  if (ContextLengthError.isInstance(error) || (error instanceof WorkerError && error.isContextLength)) {
    return new ApiError({
      status: 400,
      message: (error as Error).message,
      param: promptParam,
      code: 'context_length_exceeded',
    });
  }
  // The engine's PromptError (an empty prompt, a token id outside the vocabulary), matched by code.
  if (PioError.isInstance(error) && error.code === 'PIO_PROMPT') {
    return new ApiError({ status: 400, message: error.message, param: promptParam, code: 'invalid_prompt' });
  }
  // Sampling settings the sampler refuses (the schema checks the same ranges first; this keeps any gap a 400).
  if (PioError.isInstance(error) && error.code === 'PIO_CONFIG_INVALID') {
    return new ApiError({ status: 400, message: error.message, param: null, code: 'invalid_sampling_settings' });
  }
  if (PioError.isInstance(error) && error.code === 'PIO_GRAMMAR') {
    return new ApiError({
      status: 400,
      message: error.message,
      param: 'response_format',
      code: 'invalid_response_format',
    });
  }
  if (PioError.isInstance(error) && error.code === 'PIO_CHAT_TEMPLATE') {
    return new ApiError({ status: 400, message: error.message, param: 'messages', code: 'chat_template_error' });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError({ status: 500, message, code: PioError.isInstance(error) ? error.code : null });
}
