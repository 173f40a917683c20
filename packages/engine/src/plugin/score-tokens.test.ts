import { PromptError } from '@pio/core';
import { describe, expect, it } from 'vitest';
import { isTokenScorer, logSoftmaxAt, scoreTokensWith } from './score-tokens.js';

describe('logSoftmaxAt', () => {
  it('equals log(softmax) at the target and finds the argmax, for a row at an offset', () => {
    const logits = Float32Array.from([9, 9, 1, 3, 2, 9]);
    const { logProb, argmax } = logSoftmaxAt(logits, 2, 3, 1);
    const z = Math.exp(1) + Math.exp(3) + Math.exp(2);
    expect(logProb).toBeCloseTo(3 - Math.log(z), 12);
    expect(argmax).toBe(1);
  });

  it('stays finite for logits far from zero', () => {
    const { logProb } = logSoftmaxAt(Float32Array.from([1000, 1000]), 0, 2, 0);
    expect(logProb).toBeCloseTo(-Math.log(2), 12);
  });
});

describe('scoreTokensWith', () => {
  const never = async () => {
    throw new Error('forward must not run');
  };

  it('refuses fewer than two ids and a from outside [1, n - 1] before any forward pass', async () => {
    await expect(scoreTokensWith(never, [1], 8)).rejects.toSatisfy(PromptError.isInstance);
    await expect(scoreTokensWith(never, [1, 2, 3], 8, { from: 0 })).rejects.toThrow(/outside \[1, 2\]/);
    await expect(scoreTokensWith(never, [1, 2, 3], 8, { from: 3 })).rejects.toThrow(/outside \[1, 2\]/);
    await expect(scoreTokensWith(never, [1, 2, 3], 8, { chunkTokens: 0 })).rejects.toThrow(/chunkTokens/);
  });
});

describe('isTokenScorer', () => {
  it('tests for a scoreTokens method', () => {
    expect(isTokenScorer({ scoreTokens: async () => ({}) })).toBe(true);
    expect(isTokenScorer({})).toBe(false);
  });
});
