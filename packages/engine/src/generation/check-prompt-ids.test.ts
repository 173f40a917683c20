import { PromptError } from '@pio/core';
import { describe, expect, it } from 'vitest';
import { checkPromptIds } from './check-prompt-ids.js';

describe('checkPromptIds', () => {
  it('accepts integers in [0, vocabSize)', () => {
    expect(() => checkPromptIds([0, 5, 9], 10)).not.toThrow();
  });

  it('rejects an empty prompt with PIO_PROMPT', () => {
    const error = catchError(() => checkPromptIds([], 10));
    expect(PromptError.isInstance(error)).toBe(true);
    expect((error as PromptError).code).toBe('PIO_PROMPT');
    expect((error as PromptError).message).toContain('The prompt is empty');
  });

  it.each([
    [[1, 10, 2], '10 at position 1'],
    [[1, 2, -1], '-1 at position 2'],
    [[1.5], '1.5 at position 0'],
    [[3, Number.NaN], 'NaN at position 1'],
  ])('names the first bad id of %j, its position and the vocabulary size', (ids, named) => {
    const error = catchError(() => checkPromptIds(ids, 10));
    expect(PromptError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(`Prompt token id ${named} is not a token of this model`);
    expect((error as Error).message).toContain('[0, 10)');
  });
});

function catchError(run: () => void): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
