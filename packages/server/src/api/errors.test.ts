import { ContextLengthError, PioError } from '@pio/core';
import { describe, expect, it } from 'vitest';
import { QueueFullError, WorkerError } from '../errors.js';
import { toApiError } from './errors.js';

describe('toApiError', () => {
  it('answers a PIO_PROMPT error (the engine’s PromptError) with a 400 on the prompt, from this thread or a worker', () => {
    const here = new PioError({
      code: 'PIO_PROMPT',
      message: 'Prompt token id 70000 at position 2 is not a token of this model.',
    });
    expect(toApiError(here, 'prompt')).toMatchObject({
      status: 400,
      type: 'invalid_request_error',
      param: 'prompt',
      code: 'invalid_prompt',
      message: expect.stringContaining('70000'),
    });
    const fromWorker = new WorkerError({ name: 'PromptError', code: 'PIO_PROMPT', message: 'The prompt is empty.' });
    expect(toApiError(fromWorker, 'messages')).toMatchObject({
      status: 400,
      param: 'messages',
      code: 'invalid_prompt',
    });
  });

  it('answers sampling settings the sampler refuses (a worker’s ConfigError) with a 400, not a 500', () => {
    const fromWorker = new WorkerError({
      name: 'ConfigError',
      code: 'PIO_CONFIG_INVALID',
      message: 'Invalid SamplingSettings: topP must be in (0, 1]',
    });
    expect(toApiError(fromWorker, 'prompt')).toMatchObject({ status: 400, code: 'invalid_sampling_settings' });
  });

  it('keeps context length a 400, a full queue a 429 with its Retry-After, and the unknown a 500', () => {
    const context = new ContextLengthError({ promptTokens: 300, maxNewTokens: 10, contextLength: 256 });
    expect(toApiError(context, 'prompt')).toMatchObject({ status: 400, code: 'context_length_exceeded' });
    const full = toApiError(new QueueFullError({ model: 'm', waiting: 3, retryAfterSeconds: 2 }));
    expect(full).toMatchObject({ status: 429, headers: { 'retry-after': '2' } });
    expect(toApiError(new Error('boom'))).toMatchObject({ status: 500, type: 'server_error' });
  });
});
