import { describe, expect, it } from 'vitest';
import { argmax } from './engine-job.js';

describe('argmax', () => {
  it('returns the first index of the largest value within the window', () => {
    expect(argmax(new Float32Array([1, 5, 5, 2]))).toBe(1);
    expect(argmax(new Float32Array([9, 1, 3, 2]), 1, 3)).toBe(1);
  });
});
