import type { PioError } from '@pio/core';
import { RemoteAuthError } from '../errors/remote-auth-error.js';
import { RemoteHttpError } from '../errors/remote-http-error.js';
import { RemoteModelNotFoundError } from '../errors/remote-model-not-found-error.js';
import { contextLengthFromMessage } from './context-length-from-message.js';

/** Where an error answer came from. */
export interface HttpErrorContext {
  baseUrl: string;
  path: string;
  model: string;
  apiKeyEnv: string | undefined;
  attempts: number;
}

/**
 * The message and fields of an error body: OpenAI's `{ error: { message, code } }`
 * (vLLM, llama.cpp, pio serve), TGI's and Ollama's `{ error: "..." }`, or the text.
 */
export function readErrorBody(text: string): { message: string; fields: Record<string, unknown> } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { message: text.trim().slice(0, 500) || '(empty body)', fields: {} };
  }
  const error = (json as { error?: unknown; message?: unknown } | null)?.error ?? json;
  if (typeof error === 'string') return { message: error, fields: {} };
  if (typeof error === 'object' && error !== null) {
    const fields = error as Record<string, unknown>;
    const message = typeof fields.message === 'string' ? fields.message : JSON.stringify(error).slice(0, 500);
    return { message, fields };
  }
  return { message: text.slice(0, 500), fields: {} };
}

/**
 * PIO's typed error for an HTTP error answer: 401/403 → {@link RemoteAuthError},
 * 404 about the model → {@link RemoteModelNotFoundError}, a 400 (or 413/422)
 * about the context with readable numbers → `ContextLengthError`, anything
 * else → {@link RemoteHttpError}.
 */
export function mapHttpError(status: number, body: string, context: HttpErrorContext): PioError {
  const { message, fields } = readErrorBody(body);
  if (status === 401 || status === 403) {
    return new RemoteAuthError({
      baseUrl: context.baseUrl,
      status,
      serverMessage: message,
      apiKeyEnv: context.apiKeyEnv,
    });
  }
  // A 404 of a route (a baseUrl without /v1, a server without the endpoint) is not about the model.
  const aboutModel =
    fields.code === 'model_not_found' || (/model/i.test(message) && !/route|endpoint|path/i.test(message));
  if (status === 404 && context.path !== '/models' && aboutModel) {
    return new RemoteModelNotFoundError({ baseUrl: context.baseUrl, model: context.model, serverMessage: message });
  }
  if (status === 400 || status === 413 || status === 422 || status >= 500) {
    const contextError = contextLengthFromMessage(message, fields);
    if (contextError) return contextError;
  }
  return new RemoteHttpError({
    baseUrl: context.baseUrl,
    path: context.path,
    status,
    serverMessage: message,
    attempts: context.attempts,
  });
}
