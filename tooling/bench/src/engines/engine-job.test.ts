import { describe, expect, it } from 'vitest';
import { argmax, promptTiming } from './engine-job.js';

describe('argmax', () => {
  it('returns the first index of the largest value within the window', () => {
    expect(argmax(new Float32Array([1, 5, 5, 2]))).toBe(1);
    expect(argmax(new Float32Array([9, 1, 3, 2]), 1, 3)).toBe(1);
  });
});

describe('promptTiming', () => {
  it('counts the prompt over the time to the first token, and the tokens after it over the rest', () => {
    const timing = promptTiming(100, [1, 2, 3, 4, 5], 1000, 1500, 1900);
    expect(timing).toMatchObject({ timeToFirstTokenMs: 500, prefillTokensPerSecond: 200, decodeTokensPerSecond: 10 });
  });
});
